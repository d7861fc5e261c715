import Foundation
import GridlineJSON

/// What every scenario shares: the pool, the connect / join / settle / close phases, the
/// handling of server messages all scenarios see (`connection_established`, `room_state`,
/// `error`) and the common part of the result line. Scenarios subclass it and override
/// `received` and `serverError` for their own messages. Single-threaded like the pool.
class ScenarioRun: ClientPoolDelegate {
    let options: BenchOptions
    let pool: ClientPool
    let tokens: BenchTokens
    var report = BenchReport()
    /// The scenario joins `--room` once every connection is open (`joinPhase`). Joining only
    /// after the connect phase keeps the connect figures clean: each join makes the server tell
    /// everyone already in the room, N²/2 frames for N clients.
    let joinOnOpen: Bool

    private(set) var joined: [Bool]
    private(set) var joinedCount = 0
    /// Clients whose `join_room` drew an error: they will never join, stop waiting for them.
    private(set) var joinRefusedCount = 0
    private var joinRefused: [Bool]
    private(set) var establishedCount = 0
    /// Launch to `connection_established`: admission as the user sees it.
    var establishedLatency = LatencyHistogram()
    var serverErrors: [String: Int] = [:]
    /// Socket.IO CONNECTs the server refused (`handleSocketIOControl`).
    var socketIOConnectRefused = 0
    /// The `limits` object of the first `connection_established`, for hints.
    var serverLimits: JSONObject?
    var lastFrameAt: UInt64 = 0
    var connectSeconds = 0.0
    var joinSeconds = 0.0
    var settleSeconds = 0.0
    /// Frames received while joining and settling: the cost of the join broadcasts.
    var framesWhileJoining = 0
    /// What `joinPhase` sends on each connection; a subclass speaking another framing replaces it.
    var joinPayload: [UInt8] = []
    private var framesAfterConnect = 0
    private let cpuAtStart: (server: Double?, own: Double)

    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens, joinOnOpen: Bool) {
        self.options = options
        self.pool = pool
        self.tokens = tokens
        self.joinOnOpen = joinOnOpen
        joined = Array(repeating: false, count: pool.clients.count)
        joinRefused = joined
        cpuAtStart = (options.serverPID.flatMap { ServerProcess.cpuSeconds(pid: $0) }, ServerProcess.ownCPUSeconds())
        var join = JSONObject([("type", "join_room"), ("room_id", .string(options.room))])
        join["request_id"] = "join"
        joinPayload = JSONValue.object(join).serialized()
        pool.delegate = self
    }

    // MARK: - Phases

    /// Opens every connection (bounded by the per-connection timeout); returns the seconds
    /// from the first launch to the last connection resolved.
    func connectPhase() {
        let count = pool.clients.count
        Progress.say("connecting \(count) clients to \(pool.settings.address.text):\(pool.settings.address.port)"
                     + "\(pool.settings.path) (≤ \(pool.settings.concurrency) in flight)")
        let start = BenchClock.now()
        pool.connect(upTo: count, now: start)
        // Each connection gives up after the connect timeout, so the waves of `concurrency`
        // bound this phase; the deadline is a second fence.
        let waves = UInt64((count + pool.settings.concurrency - 1) / pool.settings.concurrency)
        let deadline = start + (waves + 1) * pool.settings.connectTimeout
        var end = start
        var lastReport = start
        pool.run(until: deadline) { now in
            if now - lastReport >= 2_000_000_000 {
                lastReport = now
                Progress.say("  \(pool.stats.opened) open, \(pool.stats.failed) failed")
            }
            end = now
            return pool.resolvedCount < count
        }
        end = BenchClock.now()
        connectSeconds = Double(end - start) / 1e9
        framesAfterConnect = pool.stats.framesReceived
        Progress.say("connected \(pool.stats.opened)/\(count) in \(String(format: "%.3f", connectSeconds)) s"
                     + (pool.stats.failed > 0 ? ", \(pool.stats.failed) failed: \(pool.stats.errors)" : ""))
    }

    /// Sends `join_room` on every open connection and waits until each has its `room_state`,
    /// or was refused, or `timeout` passed.
    func joinPhase(timeout: Double) {
        guard joinOnOpen else { return }
        let start = BenchClock.now()
        for client in pool.clients where client.isOpen { pool.sendText(client, joinPayload) }
        var lastReport = start
        pool.run(until: start + BenchClock.nanoseconds(timeout)) { now in
            if now - lastReport >= 2_000_000_000 {
                lastReport = now
                Progress.say("  \(joinedCount) joined")
            }
            return joinedCount + joinRefusedCount < pool.openCount
        }
        joinSeconds = Double(BenchClock.now() - start) / 1e9
        Progress.say("joined \(joinedCount)/\(pool.openCount) open clients to room '\(options.room)'"
                     + " in \(String(format: "%.3f", Double(BenchClock.now() - start) / 1e9)) s")
    }

    /// Lets the join broadcasts (`user_joined` to everyone already in the room) drain: waits
    /// until no frame arrived for `quietMs`, at most `maxSeconds`.
    func settlePhase(maxSeconds: Double, quietMs: UInt64 = 500) {
        let start = BenchClock.now()
        lastFrameAt = max(lastFrameAt, start)
        pool.run(until: start + BenchClock.nanoseconds(maxSeconds)) { now in
            now - lastFrameAt < quietMs * 1_000_000
        }
        settleSeconds = Double(BenchClock.now() - start) / 1e9
        framesWhileJoining = pool.stats.framesReceived - framesAfterConnect
        if BenchClock.now() - lastFrameAt < quietMs * 1_000_000 {
            Progress.say("warning: the room was still busy after --settle \(maxSeconds) s; figures include that backlog")
        }
    }

    /// Runs for `seconds`, answering pings; nothing else.
    func hold(seconds: Double) {
        pool.run(until: BenchClock.now() + BenchClock.nanoseconds(seconds), tickMs: 50) { _ in true }
    }

    /// Close 1000 everywhere, bounded wait for the server's side.
    func closePhase() {
        let open = pool.openCount
        let lingering = pool.closeAll(timeout: BenchClock.nanoseconds(options.closeTimeout))
        report.set("open_at_close", open)
        report.set("lingering_after_close", lingering)
        pool.delegate = nil
    }

    // MARK: - Delegate

    func clientOpened(_ client: BenchClient, now: UInt64) {}

    func clientReceived(_ client: BenchClient, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        lastFrameAt = now
        guard let type = JSONFieldScanner.messageType(text) else {
            pool.stats.count("untyped_message")
            return
        }
        if JSONFieldScanner.equals(text, type, "connection_established") {
            noteEstablished(client, now: now)
            if serverLimits == nil { serverLimits = Self.limits(text) }
        } else if JSONFieldScanner.equals(text, type, "room_state") {
            markJoined(client)
        } else if JSONFieldScanner.equals(text, type, "error") {
            let whole = 0..<text.count
            let code = JSONFieldScanner.member("code", in: text, object: whole)
                .flatMap { JSONFieldScanner.string(text, $0) } ?? "UNKNOWN"
            serverErrors[code, default: 0] += 1
            let requestID = JSONFieldScanner.member("request_id", in: text, object: whole)
            if let requestID, JSONFieldScanner.equals(text, requestID, "\"join\"") {
                markJoinRefused(client)
            } else {
                serverError(client, code: code, text: text, now: now)
            }
        } else {
            received(client, type: type, text: text, now: now)
        }
    }

    func clientGotClose(_ client: BenchClient, code: UInt16?, now: UInt64) {}

    /// The server admitted the client (its first message, or Socket.IO's CONNECT answer).
    func noteEstablished(_ client: BenchClient, now: UInt64) {
        establishedCount += 1
        establishedLatency.record(now &- client.launchedAt)
    }

    /// The client's join was answered with the room's state.
    func markJoined(_ client: BenchClient) {
        guard !joined[client.index] else { return }
        joined[client.index] = true
        joinedCount += 1
    }

    /// The client's join drew an error: it will never join, stop waiting for it.
    func markJoinRefused(_ client: BenchClient) {
        guard !joinRefused[client.index] else { return }
        joinRefused[client.index] = true
        joinRefusedCount += 1
    }

    /// Server error codes that are outcomes a scenario measures, not errors (cells: conflicts).
    var expectedServerCodes: Set<String> { [] }

    /// A scenario's own messages. `type` is the byte range of the type string in `text`.
    func received(_ client: BenchClient, type: Range<Int>, text: UnsafeBufferPointer<UInt8>, now: UInt64) {}

    /// An `error` message, already counted by code.
    func serverError(_ client: BenchClient, code: String, text: UnsafeBufferPointer<UInt8>, now: UInt64) {}

    private static func limits(_ text: UnsafeBufferPointer<UInt8>) -> JSONObject? {
        guard let value = try? JSONParser.parse(text), let object = value.objectValue else { return nil }
        return object["limits"]?.objectValue
    }

    func serverLimit(_ name: String) -> Double? {
        serverLimits?[name]?.doubleValue
    }

    // MARK: - Report

    /// Members every scenario reports, in front of its own.
    func reportHeader() {
        report.set("tool", "gridline-bench")
        report.set("scenario", options.scenario.rawValue)
        if !options.label.isEmpty { report.set("label", options.label) }
        report.set("host", pool.settings.address.text)
        report.set("port", Int(pool.settings.address.port))
        report.set("path", options.path)
        report.set("clients_target", pool.clients.count)
        report.set("clients_ok", pool.stats.opened)
        report.set("connect_s", connectSeconds, places: 4)
        report.set("conn_per_s", connectSeconds > 0 ? Double(pool.stats.opened) / connectSeconds : 0)
        report.latency("hs", pool.stats.handshakeLatency)
        if joinOnOpen {
            report.set("joined", joinedCount)
            report.set("join_s", joinSeconds, places: 4)
            report.set("settle_s", settleSeconds, places: 3)
            report.set("frames_while_joining", framesWhileJoining)
        }
    }

    /// For a load driven in steps (the cluster scenario's): closes every connection and
    /// returns the run's counters (clients, joined, errors, close codes).
    func finishClients(_ clients: Int) -> JSONObject {
        report = BenchReport()
        report.set("clients", clients)
        report.set("joined", joinedCount)
        closePhase()
        reportTrailer()
        return report.object
    }

    /// Members every scenario reports after its own: errors of every kind and close codes.
    func reportTrailer() {
        var errors = pool.stats.errors
        for (code, count) in serverErrors where !expectedServerCodes.contains(code) { errors["server_\(code)"] = count }
        if pool.stats.serverClosedEarly > 0 { errors["server_closed_early"] = pool.stats.serverClosedEarly }
        report.set("errors_total", errors.values.reduce(0, +))
        report.set("errors", counts: errors)
        report.set("close_codes", counts: pool.stats.closeCodes)
        // CPU over the whole run: who was busy, the server or the load generator?
        let serverCPU = options.serverPID.flatMap { ServerProcess.cpuSeconds(pid: $0) }
        if let serverCPU, let start = cpuAtStart.server { report.set("server_cpu_s", serverCPU - start, places: 2) }
        report.set("bench_cpu_s", ServerProcess.ownCPUSeconds() - cpuAtStart.own, places: 2)
        report.set("pings_answered", pool.stats.pingsAnswered)
        report.set("frames_received", pool.stats.framesReceived)
        report.set("bytes_received", pool.stats.bytesReceived)
    }

    /// Tells the user which server limit got in the way (SPEC §1, §5): the bench is only as
    /// fast as the server lets one address, user and connection be.
    /// The scenario's phases, start to result line; every subclass provides its own.
    func run() {
        preconditionFailure("\(type(of: self)) must override run()")
    }

    func printLimitHints() {
        let rateLimited = serverErrors["RATE_LIMIT_EXCEEDED", default: 0]
        let tryLater = pool.stats.closeCodes["1013", default: 0]
        if rateLimited > 0 {
            Progress.say("hint: \(rateLimited) RATE_LIMIT_EXCEEDED errors: raise WEBSOCKET_REQUESTS_PER_MINUTE and"
                         + " WEBSOCKET_REQUESTS_PER_HOUR on the server for load tests (join_room and cell_update count)")
        }
        if tryLater > 0 {
            Progress.say("hint: \(tryLater) connections closed 1013 (Try again later): raise WEBSOCKET_CONNECT_RATE"
                         + " on the server for load tests (connects per 10 s per address)")
        }
        if let refused = serverErrors["ROOM_NOT_FOUND"], refused > 0 {
            Progress.say("hint: room '\(options.room)' does not exist on the server: create it (POST /api/v1/rooms) or pick one with --room")
        }
        if pool.stats.closeCodes["1008", default: 0] > 0 {
            Progress.say("hint: close 1008 seen: a per-user connection cap or a slow-consumer cut (see the server log)")
        }
    }
}

/// Human progress lines on stderr; stdout carries only the result line.
enum Progress {
    static func say(_ line: String) {
        FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
    }
}
