import Glibc
import GridlineJSON

/// `socketio`: the Socket.IO endpoint measured beside the raw WebSocket in one run, each part
/// on fresh connections and its own users (`--parts`):
/// - `ws`: the `fanout` scenario on `--path` (the reference rate);
/// - `sio`: the same fan-out over Socket.IO's WebSocket transport;
/// - `poll`: `--pollers` long-polling clients timing deliveries while `--load-clients` raw
///   WebSocket clients send `--load-rate` msg/s each (the shared harness's s2 shape);
/// - `idle`: `--idle-sessions` polling sessions held `--hold` s with a GET parked.
/// The result line nests each part's figures under its name, with a summary in front.
final class SocketIOScenario {
    static let socketIOWebSocketPath = "/socket.io/?EIO=4&transport=websocket"
    /// Each part signs tokens for users of its own (`bench-<offset + i>`): connections of one
    /// part still closing on the server never count against the next part's per-user cap.
    private static let userOffsets: [BenchOptions.SocketIOPart: Int] = [.ws: 0, .sio: 100_000, .poll: 200_000, .idle: 400_000]

    private let options: BenchOptions
    private let address: ServerAddress
    private let tokens: BenchTokens
    private var report = BenchReport()
    private var summary: [(String, JSONValue)] = []
    private var parts: [(String, JSONValue)] = []

    init(options: BenchOptions, address: ServerAddress, tokens: BenchTokens) {
        self.options = options
        self.address = address
        self.tokens = tokens
    }

    func run() throws(BenchFailure) -> String {
        var wsRate: Double?
        var sioRate: Double?
        var wsPerCPU: Double?
        var sioPerCPU: Double?
        for part in options.parts {
            let offset = Self.userOffsets[part] ?? 0
            switch part {
            case .ws:
                Progress.say("— part ws: raw WebSocket fan-out on \(options.path)")
                let figures = try fanout(path: options.path, offset: offset, socketIO: false)
                wsRate = figures["delivered_per_s"]?.doubleValue
                wsPerCPU = figures["delivered_per_server_cpu_s"]?.doubleValue
                add("ws", figures)
            case .sio:
                Progress.say("— part sio: Socket.IO fan-out on \(Self.socketIOWebSocketPath)")
                let figures = try fanout(path: Self.socketIOWebSocketPath, offset: offset, socketIO: true)
                sioRate = figures["delivered_per_s"]?.doubleValue
                sioPerCPU = figures["delivered_per_server_cpu_s"]?.doubleValue
                add("sio", figures)
            case .poll:
                Progress.say("— part poll: \(options.pollers) long-polling clients under \(options.loadClients) × \(options.loadRate) msg/s")
                try pollingLatency(offset: offset)
            case .idle:
                Progress.say("— part idle: \(options.idleSessions) long-polling sessions")
                try idleSessions(offset: offset)
            }
        }
        report.set("tool", "gridline-bench")
        report.set("scenario", "socketio")
        if !options.label.isEmpty { report.set("label", options.label) }
        report.set("host", address.text)
        report.set("port", Int(address.port))
        if let wsRate { report.set("ws_delivered_per_s", wsRate) }
        if let sioRate { report.set("sio_delivered_per_s", sioRate) }
        if let wsRate, let sioRate, wsRate > 0 { report.set("sio_to_ws_ratio", sioRate / wsRate, places: 3) }
        if let ws = wsPerCPU, let sio = sioPerCPU, ws > 0 {
            report.set("ws_delivered_per_server_cpu_s", ws, places: 0)
            report.set("sio_delivered_per_server_cpu_s", sio, places: 0)
            report.set("sio_to_ws_ratio_per_server_cpu", sio / ws, places: 3)
        }
        for (key, value) in summary { report.set(key, value) }
        for (key, value) in parts { report.set(key, value) }
        return report.line
    }

    private func add(_ name: String, _ figures: JSONObject) {
        parts.append((name, .object(figures)))
    }

    // MARK: - Parts

    private func fanout(path: String, offset: Int, socketIO: Bool) throws(BenchFailure) -> JSONObject {
        var partOptions = options
        partOptions.label = socketIO ? "sio" : "ws"
        partOptions.path = path
        let (pool, tokenFor) = try webSocketPool(count: options.clientCount, path: path, offset: offset)
        let scenario = socketIO
            ? SocketIOFanoutScenario(options: partOptions, pool: pool, tokens: tokens, tokenFor: tokenFor)
            : FanoutScenario(options: partOptions, pool: pool, tokens: tokens)
        scenario.run()
        scenario.printLimitHints()
        return scenario.report.object
    }

    private func pollingLatency(offset: Int) throws(BenchFailure) {
        let signed = (0..<options.pollers).map { tokens.client(offset + 50_000 + $0) }
        let join = SocketIOFanoutScenario.joinEvent(room: options.room, ackID: PollingLatencyProbe.joinAckID)
        let pollers = try PollingPool(count: options.pollers, settings: pollingSettings(), tokenFor: { signed[$0] },
                                      firstPackets: { _ in [join] })
        let probe = PollingLatencyProbe(pool: pollers)
        let joined = probe.start(timeout: options.joinTimeout)

        var loadOptions = options
        loadOptions.label = "poll-load"
        loadOptions.clients = options.loadClients
        loadOptions.senders = options.loadClients
        loadOptions.rate = options.loadRate
        loadOptions.window = options.loadWindow
        let (pool, _) = try webSocketPool(count: options.loadClients, path: options.path, offset: offset)
        let load = FanoutScenario(options: loadOptions, pool: pool, tokens: tokens)
        load.run()
        load.printLimitHints()
        // What the load's drain did not wait for (the pollers are not among its receivers).
        usleep(500_000)
        probe.stop()

        let sent = load.report.object["sent"]?.doubleValue ?? 0
        var figures = BenchReport()
        figures.set("pollers", options.pollers)
        figures.set("joined", joined)
        figures.set("received", probe.received)
        figures.set("expected", Int(sent) * joined)
        figures.set("delivery_ratio", sent > 0 && joined > 0 ? Double(probe.received) / (sent * Double(joined)) : 0, places: 4)
        figures.latency("lat", probe.latency)
        figures.set("without_stamp", probe.withoutStamp)
        figures.set("other_events", probe.otherEvents)
        figures.set("lost", pollers.lostCount)
        figures.set("errors", counts: pollers.stats.errors)
        Progress.say("long-polling: received \(probe.received) of \(Int(sent) * joined), latency p50"
                     + " \(probe.latency.quantile(0.5) / 1000) µs p99 \(probe.latency.quantile(0.99) / 1000) µs")
        summary.append(("poll_lat_p50_us", .number(Double(probe.latency.quantile(0.5)) / 1000)))
        summary.append(("poll_lat_p99_us", .number(Double(probe.latency.quantile(0.99)) / 1000)))
        add("poll", figures.object)
        add("poll_load", load.report.object)
    }

    private func idleSessions(offset: Int) throws(BenchFailure) {
        let signed = (0..<options.idleSessions).map { tokens.client(offset + $0) }
        let pool = try PollingPool(count: options.idleSessions, settings: pollingSettings(), tokenFor: { signed[$0] })
        let idle = PollingIdleRun(options: options, pool: pool)
        idle.run()
        let figures = idle.report.object
        summary.append(("idle_alive", figures["alive_after_hold"] ?? .null))
        summary.append(("idle_rss_per_session_bytes", figures["rss_per_session_bytes"] ?? .null))
        add("idle", figures)
    }

    // MARK: - Pools

    private func webSocketPool(count: Int, path: String, offset: Int) throws(BenchFailure) -> (ClientPool, (Int) -> String) {
        // Signed before any connect so HMAC time on our side never counts as handshake latency.
        let signed = (0..<count).map { tokens.client(offset + $0) }
        let tokenFor: (Int) -> String = { signed[$0] }
        let settings = ClientPool.Settings(
            address: address, hostHeader: options.host, path: path, concurrency: options.concurrency,
            connectTimeout: BenchClock.nanoseconds(options.connectTimeout),
            closeTimeout: BenchClock.nanoseconds(options.closeTimeout))
        return (try ClientPool(count: count, settings: settings, tokenFor: tokenFor), tokenFor)
    }

    private func pollingSettings() -> PollingPool.Settings {
        PollingPool.Settings(address: address, hostHeader: options.host, concurrency: options.concurrency,
                             requestTimeout: BenchClock.nanoseconds(options.connectTimeout))
    }

    /// The file descriptors the chosen parts need at once.
    static func descriptorsNeeded(_ options: BenchOptions) -> Int {
        var needed = 0
        for part in options.parts {
            switch part {
            case .ws, .sio: needed = max(needed, options.clientCount)
            case .poll: needed = max(needed, options.loadClients + options.pollers)
            case .idle: needed = max(needed, options.idleSessions)
            }
        }
        return needed
    }
}
