import Foundation
import Glibc
import GridlineJSON

/// `cluster` (issue 14, SPEC §15): several nodes on one Redis, measured against one node.
/// Starts its own `redis-server` on a free loopback port (no persistence), three `gridline
/// serve` nodes on it sharing a fresh data directory (node 1 first, so it alone migrates) and
/// one node without Redis; then, each on fresh connections:
/// 1. cross-node latency: `cursor_move` from writers on node 1 to readers on nodes 2 and 3 at a
///    fixed rate, then `cell_update`s the same way (send → other-node reader's `cell_updated`);
/// 2. cross-node fan-out in `--rooms` rooms, senders rotating over the nodes, stepping through
///    `--windows`; the same load on the single node for reference;
/// 3. forwarded durable writes: writers on nodes 2 and 3 in rooms node 1 owns (it writes first),
///    against the same writers on the single node;
/// 4. with `--peer-python`: two python-socketio servers on AsyncRedisManager sharing the Redis,
///    and two Gridline nodes, under one two-node fan-out.
/// Everything it starts is stopped by PID at the end; the result line nests each part.
final class ClusterScenario {
    static let peerScript = "Tests/support/bench/socketio_redis_peer.py"
    private static let latencySenders = 4
    private static let latencyReaders = 4
    private static let latencyRate = 200.0
    private static let forwardRooms = 10

    private let options: BenchOptions
    private let host: ServerAddress
    private let tokens: BenchTokens
    private let tag: String
    private let baseDirectory: String
    private var redis: ChildProcess?
    private var nodes: [SpawnedServer] = []
    private var single: SpawnedServer?
    private var peers: [ChildProcess] = []
    private var report = BenchReport()
    private var parts: [(String, JSONValue)] = []
    private var summary = ClusterSummary()
    private var userOffset = 0

    init(options: BenchOptions, address: ServerAddress, tokens: BenchTokens) {
        self.options = options
        host = address
        self.tokens = tokens
        tag = String(UInt64(Date().timeIntervalSince1970 * 1000) % 100_000_000, radix: 36)
        baseDirectory = options.dataDir ?? NSTemporaryDirectory() + "gridline-cluster-bench-\(getpid())-\(tag)"
    }

    func run() throws(BenchFailure) -> String {
        report.set("tool", "gridline-bench")
        report.set("scenario", "cluster")
        if !options.label.isEmpty { report.set("label", options.label) }
        report.set("load_average_start", .array(CPUWatch.loadAverage().map { .number($0) }))
        defer { stopAll() }
        try startProcesses()
        let latencyRoom = "cb-\(tag)-lat"
        let fanoutRooms = (0..<options.rooms).map { "cb-\(tag)-f\($0)" }
        let forwardRooms = (0..<Self.forwardRooms).map { "cb-\(tag)-w\($0)" }
        let allRooms = [latencyRoom] + fanoutRooms + forwardRooms
        try createRooms(allRooms, on: nodes[0].address)
        try waitForRooms(allRooms.last!, on: nodes.dropFirst().map(\.address))
        try createRooms([latencyRoom] + forwardRooms + fanoutRooms, on: single!.address)
        let clusterPorts = nodes.map(\.address.port)
        let clusterWatch = CPUWatch(processes: nodes.enumerated().map { ("n\($0.offset + 1)", $0.element.pid) }
                                    + [("redis", redis!.pid)])
        let singleWatch = CPUWatch(processes: [("single", single!.pid)])

        try cursorLatency(room: latencyRoom, ports: clusterPorts, watch: clusterWatch)
        try cellLatency(room: latencyRoom, ports: clusterPorts, watch: clusterWatch)
        try fanout(rooms: fanoutRooms, ports: clusterPorts, watch: clusterWatch)
        try forwarded(rooms: forwardRooms, clusterPorts: clusterPorts, singlePort: single!.address.port,
                      clusterWatch: clusterWatch, singleWatch: singleWatch)
        if let python = options.peerPython {
            try peerComparison(python: python, rooms: fanoutRooms, clusterPorts: clusterPorts, clusterWatch: clusterWatch)
        } else {
            Progress.say("no --peer-python: the python-socketio comparison is skipped")
        }
        report.set("load_average_end", .array(CPUWatch.loadAverage().map { .number($0) }))
        for (key, value) in summary.members { report.set(key, value) }
        for (key, value) in parts { report.set(key, value) }
        Progress.say("\n" + summary.table())
        return report.line
    }

    // MARK: - Parts

    private func cursorLatency(room: String, ports: [UInt16], watch: CPUWatch) throws(BenchFailure) {
        Progress.say("— latency: cursor_move, \(Self.latencySenders) writers on n1 at \(Int(Self.latencyRate))/s each,"
                     + " \(Self.latencyReaders) readers on each of n2, n3")
        let seats = ClusterLayout.seats(rooms: 1, nodes: ports.count, sendersPerRoom: Self.latencySenders,
                                        readersPerNode: Self.latencyReaders, senderNode: .fixed(0))
        let load = try roomLoad(seats: seats, rooms: [room], ports: ports, framing: .json, path: options.path)
        guard load.prepare() else { throw BenchFailure("latency: not every client joined (see the node logs in \(baseDirectory))") }
        let figures = load.step(.init(window: 64, rate: Self.latencyRate, seconds: options.duration, drain: options.drain), watch: watch)
        summary.cursorLatency = figures
        parts.append(("latency_cursor", .object(figures.merging(load.finish()))))
    }

    private func cellLatency(room: String, ports: [UInt16], watch: CPUWatch) throws(BenchFailure) {
        Progress.say("— latency: cell_update, \(Self.latencySenders) writers on n1 at \(Int(Self.latencyRate))/s each (1 in flight),"
                     + " \(Self.latencyReaders) readers on each of n2, n3")
        let seats = ClusterLayout.seats(rooms: 1, nodes: ports.count, sendersPerRoom: Self.latencySenders,
                                        readersPerNode: Self.latencyReaders, senderNode: .fixed(0))
        let load = try cellLoad(seats: seats, rooms: [room], ports: ports, cellPrefix: "L")
        guard load.prepare() else { throw BenchFailure("cell latency: not every client joined") }
        let figures = load.step(.init(inflight: 1, rate: Self.latencyRate, seconds: options.duration), watch: watch)
        summary.cellLatency = figures
        parts.append(("latency_cells", .object(figures.merging(load.finish()))))
        // The floor: the same writes and readers on one node (commit, fsync included, before anyone hears).
        Progress.say("— latency reference: the same cell_update writers and readers on the single node")
        let singleSeats = ClusterLayout.seats(rooms: 1, nodes: 1, sendersPerRoom: Self.latencySenders,
                                              readersPerNode: 2 * Self.latencyReaders, senderNode: .fixed(0))
        let reference = try cellLoad(seats: singleSeats, rooms: [room], ports: [single!.address.port], cellPrefix: "L")
        guard reference.prepare() else { throw BenchFailure("cell latency reference: not every client joined") }
        let singleFigures = reference.step(.init(inflight: 1, rate: Self.latencyRate, seconds: options.duration),
                                           watch: CPUWatch(processes: [("single", single!.pid)]))
        summary.singleCellLatency = singleFigures
        parts.append(("latency_cells_single_node", .object(singleFigures.merging(reference.finish()))))
    }

    private func fanout(rooms: [String], ports: [UInt16], watch: CPUWatch) throws(BenchFailure) {
        Progress.say("— fan-out: \(rooms.count) rooms × (2 senders on one node, 1 reader on each other node), senders rotating over 3 nodes")
        let seats = ClusterLayout.seats(rooms: rooms.count, nodes: ports.count, sendersPerRoom: 2, readersPerNode: 1,
                                        senderNode: .rotating)
        let steps = try windowSteps(seats: seats, rooms: rooms, ports: ports, framing: .json, path: options.path, watch: watch)
        summary.clusterFanout = steps
        parts.append(("fanout_3_nodes", .array(steps.map { .object($0) })))
        let best = Self.best(steps)
        Progress.say("— fan-out reference: the same clients on the single node (2 readers per room), window \(best.window)")
        let singleSeats = ClusterLayout.seats(rooms: rooms.count, nodes: 1, sendersPerRoom: 2, readersPerNode: 2, senderNode: .fixed(0))
        let reference = try windowSteps(seats: singleSeats, rooms: rooms, ports: [single!.address.port], framing: .json,
                                        path: options.path, watch: CPUWatch(processes: [("single", single!.pid)]),
                                        windows: [best.window])
        summary.singleFanout = reference.first
        parts.append(("fanout_single_node", .array(reference.map { .object($0) })))
    }

    /// The forwarded writers and the single node's take turns, `alternatingRounds` rounds of
    /// `duration / rounds` each, so the ratio compares them under the same machine: this host's
    /// speed drifts from minute to minute, and two back-to-back parts measured the drift as much
    /// as the forward. The owner's part runs between, as a reference.
    private func forwarded(rooms: [String], clusterPorts: [UInt16], singlePort: UInt16,
                           clusterWatch: CPUWatch, singleWatch: CPUWatch) throws(BenchFailure) {
        let writers = options.clientCount
        let inflight = options.inflight
        let rounds = Self.alternatingRounds
        let slice = options.duration / Double(rounds)
        Progress.say("— forwarded writes: n1 writes first in \(rooms.count) rooms, then \(writers) writers on n2 and n3"
                     + " (\(inflight) in flight each), in \(rounds) rounds alternating with the single node's")
        try prime(rooms: rooms, port: clusterPorts[0])
        let seats = (0..<writers).map { ClusterSeat(node: 1 + $0 % 2, room: $0 % rooms.count, role: .sender) }
        let load = try cellLoad(seats: seats, rooms: rooms, ports: clusterPorts, cellPrefix: "W")
        guard load.prepare() else { throw BenchFailure("forwarded: not every writer joined") }
        try prime(rooms: rooms, port: singlePort)
        let singleSeats = seats.map { ClusterSeat(node: 0, room: $0.room, role: .sender) }
        let singleLoad = try cellLoad(seats: singleSeats, rooms: rooms, ports: [singlePort], cellPrefix: "W")
        guard singleLoad.prepare() else { throw BenchFailure("single node: not every writer joined") }
        var clusterRounds: [JSONObject] = []
        var singleRounds: [JSONObject] = []
        for round in 1...rounds {
            Progress.say("  round \(round): forwarded, then the single node")
            clusterRounds.append(load.step(.init(inflight: inflight, rate: 0, seconds: slice), watch: clusterWatch))
            singleRounds.append(singleLoad.step(.init(inflight: inflight, rate: 0, seconds: slice), watch: singleWatch))
        }
        let clusterFigures = Self.combined(clusterRounds)
        let singleFigures = Self.combined(singleRounds)
        parts.append(("forwarded_cells", .object(clusterFigures.merging(load.finish()))))
        parts.append(("single_node_cells", .object(singleFigures.merging(singleLoad.finish()))))
        Progress.say("— the same writes on n1, the owner: cluster overheads without the forward")
        let ownerSeats = seats.map { ClusterSeat(node: 0, room: $0.room, role: .sender) }
        let ownerLoad = try cellLoad(seats: ownerSeats, rooms: rooms, ports: clusterPorts, cellPrefix: "O")
        guard ownerLoad.prepare() else { throw BenchFailure("owner: not every writer joined") }
        let ownerFigures = ownerLoad.step(.init(inflight: inflight, rate: 0, seconds: options.duration), watch: clusterWatch)
        parts.append(("owner_cells", .object(ownerFigures.merging(ownerLoad.finish()))))
        summary.ownerCells = ownerFigures
        summary.forwarded = clusterFigures
        summary.singleCells = singleFigures
    }

    static let alternatingRounds = 3

    /// Rounds of one load as one figure: writes acknowledged within the rounds over their
    /// time, each round's own figures beside it.
    static func combined(_ rounds: [JSONObject]) -> JSONObject {
        var acked = 0.0
        var seconds = 0.0
        for round in rounds {
            let duration = round["duration_s"]?.doubleValue ?? 0
            acked += (round["acked_per_s"]?.doubleValue ?? 0) * duration
            seconds += duration
        }
        var figures = BenchReport()
        figures.set("duration_s", seconds, places: 3)
        figures.set("acked_per_s", seconds > 0 ? acked / seconds : 0)
        figures.set("ack_p50_us_by_round", .array(rounds.map { $0["ack_p50_us"] ?? .null }))
        figures.set("rounds", .array(rounds.map { .object($0) }))
        return figures.object
    }

    /// One client on the node at `port` writes one cell in each room's sheet: on a cluster the
    /// node takes the rooms' shards (the first node with a write for a shard takes it).
    private func prime(rooms: [String], port: UInt16) throws(BenchFailure) {
        let seats = rooms.indices.map { ClusterSeat(node: 0, room: $0, role: .sender) }
        let load = try cellLoad(seats: seats, rooms: rooms, ports: [port], cellPrefix: "P")
        guard load.prepare() else { throw BenchFailure("priming: not every client joined") }
        let figures = load.step(.init(inflight: 1, rate: 0, seconds: 15, writesPerWriter: 1))
        _ = load.finish()
        guard figures["acked"]?.doubleValue == Double(rooms.count) else {
            throw BenchFailure("priming: \(figures["acked"]?.doubleValue ?? 0) of \(rooms.count) first writes acknowledged")
        }
    }

    private func peerComparison(python: String, rooms: [String], clusterPorts: [UInt16],
                                clusterWatch: CPUWatch) throws(BenchFailure) {
        guard FileManager.default.fileExists(atPath: Self.peerScript) else {
            throw BenchFailure("\(Self.peerScript) not found: run the bench from the repository's root")
        }
        let seats = ClusterLayout.seats(rooms: rooms.count, nodes: 2, sendersPerRoom: 2, readersPerNode: 2, senderNode: .rotating)
        Progress.say("— two-node fan-out: Gridline n1 + n2, \(rooms.count) rooms × (2 senders on one node, 2 readers on the other)")
        let gridline = try windowSteps(seats: seats, rooms: rooms, ports: Array(clusterPorts.prefix(2)), framing: .json,
                                       path: options.path, watch: clusterWatch)
        parts.append(("fanout_2_nodes", .array(gridline.map { .object($0) })))
        try startPeers(python: python)
        Progress.say("— two-node fan-out: python-socketio AsyncRedisManager × 2 on the same Redis, same clients")
        let peerWatch = CPUWatch(processes: peers.enumerated().map { ("py\($0.offset + 1)", $0.element.pid) } + [("redis", redis!.pid)])
        let python = try windowSteps(seats: seats, rooms: rooms, ports: peers.map(\.address.port), framing: .socketIO,
                                     path: SocketIOScenario.socketIOWebSocketPath, watch: peerWatch)
        parts.append(("fanout_socketio_redis", .array(python.map { .object($0) })))
        summary.twoNodeGridline = gridline
        summary.twoNodePython = python
    }

    // MARK: - Loads

    private func windowSteps(seats: [ClusterSeat], rooms: [String], ports: [UInt16], framing: ClusterRoomLoad.Framing,
                             path: String, watch: CPUWatch, windows: [Int]? = nil) throws(BenchFailure) -> [JSONObject] {
        let load = try roomLoad(seats: seats, rooms: rooms, ports: ports, framing: framing, path: path)
        guard load.prepare() else {
            _ = load.finish()
            throw BenchFailure("fan-out: not every client joined")
        }
        var steps: [JSONObject] = []
        for window in windows ?? options.windows {
            steps.append(load.step(.init(window: window, rate: 0, seconds: options.duration, drain: options.drain), watch: watch))
        }
        let totals = load.finish()
        if let last = steps.indices.last { steps[last] = steps[last].merging(totals) }
        return steps
    }

    private func settings(path: String, ports: [UInt16], seats: [ClusterSeat]) -> ClientPool.Settings {
        ClientPool.Settings(
            address: host.with(port: ports[0]), hostHeader: options.host, path: path, concurrency: options.concurrency,
            connectTimeout: BenchClock.nanoseconds(options.connectTimeout), closeTimeout: BenchClock.nanoseconds(options.closeTimeout),
            ports: seats.map { ports[$0.node] })
    }

    /// Tokens of users no other load used: connections still closing never count against a new one.
    private func signedTokens(_ count: Int) -> [String] {
        defer { userOffset += count }
        return (0..<count).map { tokens.client(userOffset + $0) }
    }

    private func roomLoad(seats: [ClusterSeat], rooms: [String], ports: [UInt16], framing: ClusterRoomLoad.Framing,
                          path: String) throws(BenchFailure) -> ClusterRoomLoad {
        let signed = signedTokens(seats.count)
        let pool = try ClientPool(count: seats.count, settings: settings(path: path, ports: ports, seats: seats)) { signed[$0] }
        return ClusterRoomLoad(options: options, pool: pool, tokens: tokens, seats: seats, roomNames: rooms, framing: framing) { signed[$0] }
    }

    private func cellLoad(seats: [ClusterSeat], rooms: [String], ports: [UInt16], cellPrefix: String) throws(BenchFailure) -> ClusterCellLoad {
        let signed = signedTokens(seats.count)
        let pool = try ClientPool(count: seats.count, settings: settings(path: options.path, ports: ports, seats: seats)) { signed[$0] }
        return ClusterCellLoad(options: options, pool: pool, tokens: tokens, seats: seats, roomNames: rooms,
                               sheetNames: rooms.map { $0 + "-s" }, cellPrefix: cellPrefix)
    }

    static func best(_ steps: [JSONObject]) -> (window: Int, perSecond: Double) {
        var best = (window: 1, perSecond: 0.0)
        for step in steps {
            let rate = step["delivered_per_s"]?.doubleValue ?? 0
            if rate > best.perSecond { best = (Int(step["window"]?.doubleValue ?? 1), rate) }
        }
        return best
    }

    // MARK: - Processes

    private func startProcesses() throws(BenchFailure) {
        if FileManager.default.fileExists(atPath: baseDirectory + "/cluster/gridline.sqlite") {
            throw BenchFailure("--data-dir \(baseDirectory) already has a cluster database: the scenario needs a fresh one")
        }
        do {
            try FileManager.default.createDirectory(atPath: baseDirectory, withIntermediateDirectories: true)
        } catch {
            throw BenchFailure("cannot create \(baseDirectory): \(error)")
        }
        guard let redisPort = ChildProcess.freePort() else { throw BenchFailure("no free port for redis-server") }
        let redisAddress = host.with(port: redisPort)
        let redis = ChildProcess(
            name: "redis-server",
            arguments: [options.redisServer, "--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                        "--dir", baseDirectory, "--daemonize", "no"],
            environment: ProcessInfo.processInfo.environment, logPath: baseDirectory + "/redis.log", address: redisAddress)
        try redis.start(timeout: 10)
        self.redis = redis
        report.set("redis_port", Int(redisPort))
        Progress.say("started redis-server (pid \(redis.pid)) on 127.0.0.1:\(redisPort)")
        var environment = ProcessInfo.processInfo.environment
        for key in ["REDIS_URL", "REDIS_HOST", "REDIS_PORT", "GRIDLINE_NODE_ID", "GRIDLINE_PORT", "GRIDLINE_HOST", "GRIDLINE_DATA_DIR"] {
            environment[key] = nil
        }
        environment["JWT_SECRET_KEY"] = String(decoding: tokens.secret, as: UTF8.self)
        environment["GRIDLINE_LOG_LEVEL"] = "warn"
        environment["WEBSOCKET_CURSOR_RATE"] = "10000000"
        environment["WEBSOCKET_REQUESTS_PER_MINUTE"] = "100000000"
        environment["WEBSOCKET_REQUESTS_PER_HOUR"] = "1000000000"
        environment["WEBSOCKET_CONNECT_RATE"] = "10000000"
        environment["WEBSOCKET_MAX_CONNECTIONS_PER_USER"] = "100000"
        var ports: [UInt16] = []
        for index in 1...3 {
            var nodeEnvironment = environment
            nodeEnvironment["REDIS_URL"] = "redis://127.0.0.1:\(redisPort)/0"
            nodeEnvironment["GRIDLINE_NODE_ID"] = "n\(index)"
            guard let port = ChildProcess.freePort() else { throw BenchFailure("no free port for node n\(index)") }
            // Node 1 first and alone: it creates and migrates the shared database.
            let node = try SpawnedServer(address: host.with(port: port), dataDirectory: baseDirectory + "/cluster",
                                         environment: nodeEnvironment, logName: "n\(index).log")
            try node.start(timeout: 60)
            nodes.append(node)
            ports.append(port)
            Progress.say("started node n\(index) (pid \(node.pid)) on 127.0.0.1:\(port)")
        }
        guard let port = ChildProcess.freePort() else { throw BenchFailure("no free port for the single node") }
        let single = try SpawnedServer(address: host.with(port: port), dataDirectory: baseDirectory + "/single",
                                       environment: environment, logName: "single.log")
        try single.start(timeout: 60)
        self.single = single
        Progress.say("started the single node (pid \(single.pid)) on 127.0.0.1:\(port), no Redis")
        report.set("node_ports", .array(ports.map { JSONValue(Int($0)) }))
        report.set("single_port", Int(port))
        report.set("data_dir", baseDirectory)
    }

    private func startPeers(python: String) throws(BenchFailure) {
        guard let redis else { return }
        for index in 1...2 {
            guard let port = ChildProcess.freePort() else { throw BenchFailure("no free port for the python peer") }
            let peer = ChildProcess(
                name: "python-socketio peer \(index)",
                arguments: [python, Self.peerScript, "--port", String(port), "--redis", "redis://127.0.0.1:\(redis.address.port)/0"],
                environment: ProcessInfo.processInfo.environment, logPath: baseDirectory + "/py\(index).log", address: host.with(port: port))
            try peer.start(timeout: 30)
            peers.append(peer)
            Progress.say("started python-socketio peer \(index) (pid \(peer.pid)) on 127.0.0.1:\(port)")
        }
    }

    /// Stops what this run started, by PID: peers, nodes, the single node, then Redis. The
    /// temporary data directory goes too unless `--data-dir` named it.
    private func stopAll() {
        for peer in peers { peer.stop(timeout: 5) }
        for node in nodes.reversed() { node.stop(timeout: 15) }
        single?.stop(timeout: 15)
        redis?.stop(timeout: 5)
        if options.dataDir == nil { try? FileManager.default.removeItem(atPath: baseDirectory) }
    }

    // MARK: - Rooms

    private func createRooms(_ rooms: [String], on address: ServerAddress) throws(BenchFailure) {
        let admin = tokens.admin()
        for room in rooms {
            let body = JSONValue.object(JSONObject([("room_id", .string(room)), ("name", .string(room))])).serialized()
            let created = AdminHTTP.post(address, hostHeader: options.host, path: "/api/v1/rooms", token: admin, json: body, timeoutSeconds: 10)
            guard created?.status == 201 else {
                throw BenchFailure("cannot create room \(room): HTTP \(created?.status ?? 0) \(String(decoding: created?.body ?? [], as: UTF8.self))")
            }
            let sheet = JSONValue.object(JSONObject([("sheet_id", .string(room + "-s")), ("name", .string(room))])).serialized()
            let made = AdminHTTP.post(address, hostHeader: options.host, path: "/api/v1/rooms/\(room)/sheets", token: admin, json: sheet,
                                      timeoutSeconds: 10)
            guard made?.status == 201 else {
                throw BenchFailure("cannot create sheet \(room)-s: HTTP \(made?.status ?? 0) \(String(decoding: made?.body ?? [], as: UTF8.self))")
            }
        }
    }

    /// Rooms are created through node 1; the other nodes learn of them from the cluster channel.
    private func waitForRooms(_ room: String, on addresses: [ServerAddress]) throws(BenchFailure) {
        let deadline = BenchClock.now() + BenchClock.nanoseconds(10)
        for address in addresses {
            while AdminHTTP.get(address, hostHeader: options.host, path: "/api/v1/rooms/\(room)", token: tokens.admin())?.status != 200 {
                guard BenchClock.now() < deadline else { throw BenchFailure("room \(room) not known to the node on port \(address.port)") }
                usleep(50_000)
            }
        }
    }
}

extension JSONObject {
    /// These members followed by `other`'s (for one part's step figures and its connection totals).
    func merging(_ other: JSONObject) -> JSONObject {
        var copy = self
        for (key, value) in other.members { copy[key] = value }
        return copy
    }
}
