/// What `gridline bench` was asked to do: the scenario, its sizes and where the server is.
///
/// Parsing is a pure function of the argument list (no environment, no files) so it can be
/// tested on its own; the secret is resolved later by `BenchSecret`.
public struct BenchOptions: Sendable, Equatable {
    public enum Scenario: String, Sendable, CaseIterable {
        case fanout, idle, connect, cells, socketio, formulas, cluster
    }

    /// The parts of `--scenario socketio`, run in this order.
    public enum SocketIOPart: String, Sendable, CaseIterable {
        /// Raw WebSocket fan-out (s1 shape) on `--path`, the reference figure.
        case ws
        /// The same fan-out over Socket.IO on the WebSocket transport.
        case sio
        /// Long-polling clients timing deliveries under the s2 load.
        case poll
        /// Idle long-polling sessions held with a GET parked.
        case idle
    }

    public var scenario: Scenario = .fanout
    public var host = "127.0.0.1"
    public var port: UInt16 = 8080
    public var path = "/api/v1/ws"
    public var allowRemote = false
    public var secret: String?
    public var secretFile: String?
    public var room = "demo"
    public var sheet = "demo-sheet"
    /// Nil means "the scenario's default" (fanout 100, idle 5000, connect 2000, cells 20).
    public var clients: Int?
    public var senders = 10
    public var rate = 0.0
    public var window = 32
    public var duration = 10.0
    public var drain = 3.0
    public var hold = 5.0
    public var settle = 5.0
    public var concurrency = 512
    public var connectTimeout = 10.0
    public var closeTimeout = 2.0
    public var joinTimeout = 30.0
    /// idle only: hold bare connections, without joining (and without the join broadcasts).
    public var noJoin = false
    public var inflight = 1
    public var sharedCell = false
    /// socketio only: which parts to run (all by default; `sio` alone against another server).
    public var parts: [SocketIOPart] = SocketIOPart.allCases
    /// socketio `poll`: long-polling clients, and the raw WebSocket load they share the room with.
    public var pollers = 1
    public var loadClients = 200
    public var loadRate = 10.0
    public var loadWindow = 20
    /// socketio `idle`: how many polling sessions.
    public var idleSessions = 10_000
    public var serverPID: Int32?
    /// formulas: start `gridline serve` here (needed for the restart phase) in `dataDir`.
    public var spawnServer = false
    public var dataDir: String?
    public var rows = 100_000
    public var rangeFormulas = 1000
    public var edits = 3
    public var rangeEdits = 20
    /// cluster: rooms of the cross-node fan-out, the windows it steps through (offered load,
    /// lowest first), the python interpreter that has python-socketio, aiohttp and redis (the
    /// peer comparison runs only with it) and the Redis server to start.
    public var rooms = 50
    public var windows = [1, 4, 16, 64]
    public var peerPython: String?
    public var redisServer = "redis-server"
    public var label = ""
    public var help = false

    public init() {}

    /// The client count to use: the flag if given, otherwise the scenario's default.
    public var clientCount: Int {
        if let clients { return clients }
        switch scenario {
        case .fanout: return 100
        case .idle: return 5000
        case .connect: return 2000
        case .cells: return 20
        case .socketio: return 100
        case .formulas: return 1
        case .cluster: return 20
        }
    }

    /// A refused argument list; the message names the flag.
    public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Flags that take no value.
    private static let switches: Set<String> = ["--allow-remote", "--shared-cell", "--no-join", "--spawn-server", "--help", "-h"]

    /// Flags that take a value (each handled in `apply`).
    private static let valued: Set<String> = [
        "--scenario", "--host", "--port", "--path", "--secret", "--secret-file", "--room", "--sheet", "--clients",
        "--senders", "--rate", "--window", "--duration", "--drain", "--hold", "--settle", "--concurrency",
        "--connect-timeout", "--join-timeout", "--close-timeout", "--inflight", "--server-pid", "--label",
        "--parts", "--pollers", "--load-clients", "--load-rate", "--load-window", "--idle-sessions",
        "--data-dir", "--rows", "--range-formulas", "--edits", "--range-edits", "--rooms", "--windows", "--peer-python",
        "--redis-server",
    ]

    /// Parses `--flag value` and `--flag=value` forms; unknown flags and bad numbers are errors.
    public static func parse(_ arguments: [String]) throws(UsageError) -> BenchOptions {
        var options = BenchOptions()
        var index = 0
        while index < arguments.count {
            var flag = arguments[index]
            var value: String?
            if let equals = flag.firstIndex(of: "="), flag.hasPrefix("--") {
                value = String(flag[flag.index(after: equals)...])
                flag = String(flag[..<equals])
            }
            index += 1
            if switches.contains(flag) {
                guard value == nil else { throw UsageError(description: "\(flag) takes no value") }
                switch flag {
                case "--allow-remote": options.allowRemote = true
                case "--shared-cell": options.sharedCell = true
                case "--no-join": options.noJoin = true
                case "--spawn-server": options.spawnServer = true
                default: options.help = true
                }
                continue
            }
            guard valued.contains(flag) else { throw UsageError(description: "unknown flag \(flag)") }
            if value == nil {
                guard index < arguments.count else { throw UsageError(description: "\(flag) needs a value") }
                value = arguments[index]
                index += 1
            }
            try options.apply(flag: flag, value: value ?? "")
        }
        try options.check()
        return options
    }

    private mutating func apply(flag: String, value: String) throws(UsageError) {
        switch flag {
        case "--scenario":
            guard let parsed = Scenario(rawValue: value) else {
                throw UsageError(description: "--scenario must be fanout, idle, connect, cells, socketio, formulas or cluster")
            }
            scenario = parsed
        case "--host": host = value
        case "--port": port = try Self.integer(flag, value, in: 1...65535).narrowed()
        case "--path":
            guard value.hasPrefix("/"), !value.contains(" ") else { throw UsageError(description: "--path must start with /") }
            path = value
        case "--secret": secret = value
        case "--secret-file": secretFile = value
        case "--room": room = try Self.nonEmpty(flag, value)
        case "--sheet": sheet = try Self.nonEmpty(flag, value)
        case "--clients": clients = try Self.integer(flag, value, in: 1...1_000_000)
        case "--senders": senders = try Self.integer(flag, value, in: 1...1_000_000)
        case "--rate": rate = try Self.number(flag, value, in: 0...1_000_000)
        case "--window": window = try Self.integer(flag, value, in: 1...65536)
        case "--duration": duration = try Self.number(flag, value, in: 0.1...86400)
        case "--drain": drain = try Self.number(flag, value, in: 0...3600)
        case "--hold": hold = try Self.number(flag, value, in: 0...86400)
        case "--settle": settle = try Self.number(flag, value, in: 0...3600)
        case "--concurrency": concurrency = try Self.integer(flag, value, in: 1...1_000_000)
        case "--connect-timeout": connectTimeout = try Self.number(flag, value, in: 0.1...3600)
        case "--join-timeout": joinTimeout = try Self.number(flag, value, in: 0.1...3600)
        case "--close-timeout": closeTimeout = try Self.number(flag, value, in: 0...600)
        case "--inflight": inflight = try Self.integer(flag, value, in: 1...1024)
        case "--server-pid": serverPID = Int32(try Self.integer(flag, value, in: 1...Int(Int32.max)))
        case "--label": label = value
        case "--parts":
            var chosen: [SocketIOPart] = []
            for name in value.split(separator: ",") {
                guard let part = SocketIOPart(rawValue: String(name)) else {
                    throw UsageError(description: "--parts takes a comma-separated list of ws, sio, poll, idle")
                }
                if !chosen.contains(part) { chosen.append(part) }
            }
            guard !chosen.isEmpty else { throw UsageError(description: "--parts needs at least one part") }
            parts = SocketIOPart.allCases.filter { chosen.contains($0) }
        case "--pollers": pollers = try Self.integer(flag, value, in: 1...1000)
        case "--load-clients": loadClients = try Self.integer(flag, value, in: 2...1_000_000)
        case "--load-rate": loadRate = try Self.number(flag, value, in: 0.1...1_000_000)
        case "--load-window": loadWindow = try Self.integer(flag, value, in: 1...65536)
        case "--idle-sessions": idleSessions = try Self.integer(flag, value, in: 1...1_000_000)
        case "--data-dir": dataDir = try Self.nonEmpty(flag, value)
        case "--rows": rows = try Self.integer(flag, value, in: 2...1_000_000)
        case "--range-formulas": rangeFormulas = try Self.integer(flag, value, in: 1...1000)
        case "--edits": edits = try Self.integer(flag, value, in: 1...100)
        case "--range-edits": rangeEdits = try Self.integer(flag, value, in: 1...10_000)
        case "--rooms": rooms = try Self.integer(flag, value, in: 1...10_000)
        case "--windows": windows = try Self.integerList(flag, value, in: 1...65536)
        case "--peer-python": peerPython = try Self.nonEmpty(flag, value)
        case "--redis-server": redisServer = try Self.nonEmpty(flag, value)
        default: throw UsageError(description: "unknown flag \(flag)")
        }
    }

    /// Cross-flag rules that single flags cannot check.
    private func check() throws(UsageError) {
        if secret != nil, secretFile != nil { throw UsageError(description: "give --secret or --secret-file, not both") }
        if scenario == .cells, CellName.forClient(clientCount - 1) == nil {
            throw UsageError(description: "--clients is too large for distinct cell ids")
        }
    }

    private static func integer(_ flag: String, _ text: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(description: "\(flag) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A comma-separated list of integers, each in `range`, kept in the order given.
    static func integerList(_ flag: String, _ text: String, in range: ClosedRange<Int>) throws(UsageError) -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var values: [Int] = []
        for part in parts {
            guard let value = Int(part), range.contains(value) else {
                throw UsageError(description: "\(flag) takes a comma-separated list of integers in \(range.lowerBound)...\(range.upperBound)")
            }
            values.append(value)
        }
        return values
    }

    private static func number(_ flag: String, _ text: String, in range: ClosedRange<Double>) throws(UsageError) -> Double {
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw UsageError(description: "\(flag) must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    private static func nonEmpty(_ flag: String, _ text: String) throws(UsageError) -> String {
        guard !text.isEmpty, text.utf8.count <= 128 else { throw UsageError(description: "\(flag) must be 1...128 bytes") }
        return text
    }

    public static let usage = """
        usage: gridline bench [--scenario fanout|idle|connect|cells|socketio|formulas|cluster] [flags]
        Load-tests a Gridline server over real WebSocket connections; prints one JSON line of
        results on stdout and progress on stderr. Every run ends by itself.

        common:
          --host H              server address, IPv4 (127.0.0.1); outside 127.0.0.0/8 needs --allow-remote
          --port P              (8080)          --path /api/v1/ws
          --secret S | --secret-file F          HS256 key for the bench tokens
                                (default: $JWT_SECRET_KEY, else ./data/dev-jwt-secret)
          --clients N           connections (fanout 100, idle 5000, connect 2000, cells 20)
          --room R (demo)       --sheet S (demo-sheet)
          --concurrency C       connects + handshakes in flight (512)
          --connect-timeout S   per connection (10)   --close-timeout S (2)
          --join-timeout S      wait for every room_state (30)
          --server-pid PID      read the server's VmRSS from /proc
          --label L             copied into the result line
        fanout:  --senders K (10) --rate R msg/s per sender, 0 = window-limited (0)
                 --window W (32) --duration S (10) --drain S (3)
        idle:    --hold S (5) --settle S (5, max wait for the room to go quiet) --no-join
                 (joining N clients to one room makes the server send N²/2 user_joined frames)
        cells:   --duration S (10) --inflight N (1) --shared-cell
        socketio: --parts ws,sio,poll,idle (all, in that order; each on fresh connections)
                 ws, sio: the fanout flags (100 clients, 10 senders, window 32) on --path, then over
                   Socket.IO on /socket.io/ (WebSocket transport); sio alone works against any
                   Socket.IO v5 server relaying cursor_move as cursor_moved with its meta
                 poll: --pollers K (1) long-polling clients time deliveries while --load-clients N
                   (200) raw WebSocket clients each send --load-rate R (10) msg/s, --load-window W (20)
                 idle: --idle-sessions N (10000) polling sessions held --hold S with a GET parked,
                   answering pings; --server-pid gives memory per session
        formulas: --rows N (100000) --range-formulas N (1000) --edits N (3) --range-edits N (20)
                 --inflight N (batches in flight when pipelined; 8 if 1)
                 --spawn-server [--data-dir D]: start `gridline serve` itself on --port with a fresh
                 data dir (a temporary one, removed after, unless given) and restart it to time
                 the first edit after a restart; without it the restart phase is skipped and the
                 server needs WEBSOCKET_MAX_MESSAGE_BYTES ≥ 1048576 and raised request limits
        cluster: starts its own redis-server (--redis-server PATH) on a free port, three
                 `gridline serve` nodes on it sharing a fresh data dir, and one node without Redis;
                 measures cross-node latency (cursor_move and cell_update), cross-node fan-out in
                 --rooms N (50) stepping through --windows 1,4,16,64, each for --duration S,
                 and forwarded cell writes (--clients N (20) writers, --inflight N) taking
                 turns with the same writes on the single node (3 rounds of S/3 each);
                 with --peer-python PY (python-socketio, aiohttp, redis installed)
                 also two python-socketio AsyncRedisManager servers (Tests/support/bench/
                 socketio_redis_peer.py) under the same fan-out; --data-dir D keeps the logs
        gridline bench --scenario formula-engine [--rows N] [--range-formulas N] [--repeats N]
                 the formula engine alone, in-process: chain and range recalculation, no store
        The server's own limits apply: raise WEBSOCKET_CURSOR_RATE, WEBSOCKET_REQUESTS_PER_MINUTE,
        WEBSOCKET_REQUESTS_PER_HOUR and WEBSOCKET_CONNECT_RATE on the server for load tests.
        """
}

extension Int {
    /// For values a range check has already bounded.
    fileprivate func narrowed() -> UInt16 { UInt16(self) }
}
