import Dispatch
import Foundation
import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineStore
import GridlineWebSocket

/// The wiring: owns the event loop, the sessions, the dispatcher and the REST routes.
/// Everything here runs on the loop thread; `requestShutdown` is the one entry from elsewhere.
public final class Server: @unchecked Sendable {  // state is touched only on the loop thread
    public let settings: Settings
    public let loop: EventLoop
    let store: Store
    let logger: Log
    let restRouter: Router<Endpoint>
    var admission: Admission
    var stats = ServerStats()
    var httpSessions: [UInt64: HTTPSession] = [:]
    let sessions = SessionRegistry()
    /// Message type → handler; one lookup per message finds the handler, its rate-limit
    /// class and its counter.
    var routes: [String: MessageRoute] = [:]
    var unknownMessages: UInt64 = 0
    var writeLimiter: WriteRateLimiter
    var connectLimiter: ConnectRateLimiter
    var directory = RoomDirectory()
    /// `/socket.io/`: Engine.IO sessions and Socket.IO recovery (SPEC §12).
    lazy var engineIO = EngineIOService(server: self)
    let rooms = RoomRegistry<ClientSession>()
    var typingTimers: [String: TimerHandle] = [:]
    /// Loop-thread closures waiting for another thread's answer (see `onLoop`).
    var pendingCallbacks: [UInt64: Any] = [:]
    var nextCallbackID: UInt64 = 0
    var aiJobs: [String: RunningAIJob] = [:]
    /// Uploads whose PUT body is streaming right now.
    var activeUploads = Set<String>()
    let aiWorkers = DispatchQueue(label: "gridline-ai", attributes: .concurrent)
    let aiProvider: AIProvider
    var loopLag = LoopLag()
    /// What `connection_established` tells every client about the limits; fixed at start-up.
    let limits: JSONValue
    var messageRateSampler = RateSampler()
    let startedAt = Date()
    public private(set) var port: UInt16 = 0
    private var shuttingDown = false
    private var signalSources: [DispatchSourceSignal] = []

    /// Handlers throw `MessageError` (typed throws in stored closures crashes the 6.3 compiler).
    typealias MessageHandler = (ClientSession, IncomingMessage) throws -> Void

    public init(settings: Settings, secret: [UInt8], store: Store) throws {
        self.settings = settings
        self.store = store
        self.loop = try EventLoop()
        self.logger = Log(minimum: settings.logLevel)
        self.restRouter = Endpoint.makeRouter()
        self.admission = Admission(secret: secret, settings: settings)
        self.writeLimiter = WriteRateLimiter(perMinute: settings.requestsPerMinute, perHour: settings.requestsPerHour,
                                             blockSeconds: settings.blockDurationMinutes * 60)
        self.connectLimiter = ConnectRateLimiter(perWindow: settings.connectRate)
        self.aiProvider = settings.aiProvider == "failing" ? FailingProvider() : StatisticsProvider()
        self.limits = Self.limitsObject(settings)
        registerHandlers()
        try loadDirectory()
        let logger = self.logger
        store.formulas.onSheetLoaded = { load in
            logger(.info, "formula_sheet_loaded", [
                ("sheet_id", .string(load.sheetId)), ("cells", JSONValue(load.cells)), ("formulas", JSONValue(load.formulas)),
                ("duration_ms", .number((load.seconds * 1e6).rounded() / 1e3)),
            ])
        }
    }

    /// Reads which rooms and sheets exist, once, before the loop starts.
    private func loadDirectory() throws {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<[RoomRecord]>()
        store.reader.submit({ db in try RoomStore.listRooms(db) }) { result in
            box.set(result)
            done.signal()
        }
        done.wait()
        for room in try box.get() {
            directory.add(RoomInfo(id: room.id, name: room.name, createdAt: room.createdAt, sheetIDs: room.sheets.map(\.id)))
            for sheet in room.sheets { directory.add(SheetInfo(id: sheet.id, roomID: sheet.roomId, name: sheet.name)) }
        }
    }

    /// Fields are built only when the level is logged.
    func log(_ level: LogLevel, _ event: String, connection: UInt64? = nil, user: String? = nil, room: String? = nil,
             _ fields: @autoclosure () -> [(String, JSONValue)] = []) {
        guard level >= logger.minimum else { return }
        logger(level, event, connection: connection, user: user, room: room, fields())
    }

    // MARK: Lifecycle

    /// Binds the listener; returns the port (useful with port 0 in tests).
    @discardableResult
    public func start() throws -> UInt16 {
        let listener = try loop.listen(host: settings.host, port: settings.port) { [unowned self] connection in
            self.accept(connection)
        }
        port = listener.port
        admission.allow(origins: settings.ownOrigins(port: port))
        scheduleSweep()
        scheduleLimiterSweep()
        scheduleLoopProbe(expected: loop.now)
        log(.info, "listening", [("host", .string(settings.host)), ("port", JSONValue(Int(port)))])
        return port
    }

    /// Runs the loop on the calling thread until shutdown completes.
    public func run() {
        loop.run()
        log(.info, "stopped")
    }

    /// SIGINT/SIGTERM start a graceful shutdown.
    public func installSignalHandlers() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [unowned self] in self.requestShutdown(reason: "signal \(signalNumber)") }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Graceful shutdown (SPEC §9): stop accepting, close every WebSocket with 1001, let
    /// writes finish, then stop the loop. Safe from any thread.
    public func requestShutdown(reason: String) {
        loop.execute { [unowned self] in self.shutdown(reason: reason) }
    }

    private func shutdown(reason: String) {
        guard !shuttingDown else { return }
        shuttingDown = true
        log(.info, "shutdown", [("reason", .string(reason)), ("connections", JSONValue(loop.connectionCount))])
        loop.closeListeners()
        for session in httpSessions.values where !session.connection.isClosing { session.connection.closeAfterWriting() }
        engineIO.closeUnconnected()
        closeInBatches(sessions.ids)
        waitForConnectionsToClose(deadline: loop.now + 5_000_000_000)
    }

    /// Sends 1001 to WebSockets a batch per loop pass (as Phoenix drains), so ten thousand
    /// closes don't make one long pass while the loop still has replies to write.
    private func closeInBatches(_ ids: [UInt64]) {
        let batch = ids.prefix(Self.shutdownBatchSize)
        for id in batch { sessions[id]?.close(code: CloseCode.goingAway, reason: "server shutting down") }
        let rest = Array(ids.dropFirst(batch.count))
        guard !rest.isEmpty else { return }
        loop.schedule(after: 0) { [unowned self] in self.closeInBatches(rest) }
    }

    static let shutdownBatchSize = 2000

    private func waitForConnectionsToClose(deadline: UInt64) {
        if loop.connectionCount == 0 || loop.now >= deadline {
            for connection in loop.connections { connection.close() }
            // Every write a client was told about is already committed; this finishes the rest.
            store.shutdown()
            loop.stop()
            return
        }
        loop.schedule(after: 0.01) { [unowned self] in self.waitForConnectionsToClose(deadline: deadline) }
    }

    /// Wraps a loop-thread closure so another thread (the store's writer or reader, an AI
    /// worker) can hand it a value: the closure stays on the loop, only its id travels.
    func onLoop<R: Sendable>(_ body: @escaping (R) -> Void) -> @Sendable (R) -> Void {
        let id = nextCallbackID
        nextCallbackID += 1
        pendingCallbacks[id] = body
        return { [unowned self] value in
            self.loop.execute {
                guard let body = self.pendingCallbacks.removeValue(forKey: id) as? (R) -> Void else { return }
                body(value)
            }
        }
    }

    // MARK: Connections

    private func accept(_ connection: Connection) {
        stats.connectionsAccepted += 1
        let session = HTTPSession(connection: connection, server: self)
        connection.delegate = session
        httpSessions[connection.id] = session
        log(.info, "connecting", connection: connection.id, [("peer", .string(connection.peerAddress))])
    }

    func httpSessionClosed(_ session: HTTPSession) {
        httpSessions[session.connection.id] = nil
        log(.info, "closed", connection: session.connection.id, [("protocol", "http")])
    }

    /// A periodic pass over sessions (once a second, or faster for short ping intervals):
    /// HTTP timeouts, WebSocket pings and silence.
    private func scheduleSweep() {
        loop.schedule(after: max(0.05, min(1, settings.pingInterval / 2))) { [unowned self] in
            let now = self.loop.now
            for session in self.httpSessions.values { session.checkDeadline(now: now) }
            for session in self.sessions.all { session.transport.heartbeat(now: now) }
            self.engineIO.sweep(now: now)
            self.scheduleSweep()
        }
    }

    /// Once a minute: forget idle rate-limit entries so memory stays bounded.
    private func scheduleLimiterSweep() {
        loop.schedule(after: 60) { [unowned self] in
            self.writeLimiter.sweep(now: self.loop.now)
            self.connectLimiter.sweep(now: self.loop.now)
            self.scheduleLimiterSweep()
        }
    }

    // MARK: WebSocket upgrade

    /// Validates the handshake, admits the client and switches the connection to WebSocket.
    /// Returns true when upgraded; otherwise an HTTP refusal was written.
    func upgrade(_ http: HTTPSession, request: RESTRequest) -> Bool {
        let head = request.head
        let headerList = head.headers.fields.map { (name: $0.name, value: $0.value) }
        let handshake: HandshakeRequest
        switch WebSocketHandshake.validate(method: head.method, versionMinor: head.versionMinor, headers: headerList) {
        case .success(let valid):
            handshake = valid
        case .failure(let error):
            stats.handshakesRefused += 1
            log(.info, "handshake_refused", connection: http.connection.id,
                [("peer", .string(request.peer)), ("reason", .string(error.reason))])
            let extra: [(String, String)] = error.status == 426 ? [("Sec-WebSocket-Version", "13")] : []
            http.fail(status: error.status, code: "INVALID_MESSAGE", text: error.reason, headers: extra)
            return false
        }
        let admitted: Admitted
        switch admission.admit(head: head, handshake: handshake, peer: request.peer) {
        case .success(let value):
            admitted = value
        case .failure(let refusal):
            stats.handshakesRefused += 1
            log(.info, "admission_refused", connection: http.connection.id,
                [("peer", .string(request.peer)), ("reason", .string(refusal.logReason))])
            http.fail(status: refusal.status, code: refusal.code.rawValue, text: refusal.text)
            return false
        }
        let connection = http.connection
        httpSessions[connection.id] = nil
        connection.write(WebSocketHandshake.responseHead(
            accept: WebSocketHandshake.acceptValue(forKey: handshake.key), subprotocol: admitted.subprotocol))
        let channel = WebSocketChannel(connection: connection, loop: loop, maxMessageBytes: settings.maxMessageBytes,
                                       heartbeat: (settings.pingInterval, settings.pingTimeout))
        let session = ClientSession(id: connection.id, user: admitted.user, peer: request.peer, server: self)
        let transport = RawWebSocketTransport(channel: channel, session: session)
        channel.handler = transport
        session.attach(transport)
        connection.delegate = channel
        open(session)
        return true
    }

    /// A session whose transport is ready: greeted, counted, and held to the connect rate and
    /// the per-user connection limit (SPEC §1), whichever transport carries it.
    func open(_ session: ClientSession) {
        stats.websocketsOpened += 1
        log(.info, "connected", connection: session.id, user: session.user.id,
            [("peer", .string(session.peer)), ("transport", .string(session.transportName))])
        let user = session.user
        session.send(OutgoingMessage("connection_established", [
            ("connection_id", .string(ConnectionIDs.format(session.id))),
            ("user", ["user_id": .string(user.id), "username": .string(user.username), "role": .string(user.role.rawValue)]),
            ("heartbeat_interval", JSONValue(Int(settings.pingInterval * 1000))),
            ("limits", limits),
        ]))
        if !connectLimiter.admit(address: session.peer, now: loop.now) {
            // Accepted, then closed: browsers surface 1013 as "try again" (SPEC §1).
            stats.rateLimitEvents += 1
            log(.warn, "connect_rate_exceeded", connection: session.id, user: user.id, [("peer", .string(session.peer))])
            sessions.add(session, limit: .max)
            session.close(code: CloseCode.tryAgainLater, reason: "Try again later")
            return
        }
        for oldest in sessions.add(session, limit: settings.maxConnectionsPerUser) {
            oldest.close(code: CloseCode.policyViolation, reason: "superseded by a newer connection")
        }
    }

    static func limitsObject(_ settings: Settings) -> JSONValue {
        [
            "max_message_bytes": JSONValue(settings.maxMessageBytes),
            "requests_per_minute": JSONValue(settings.requestsPerMinute),
            "requests_per_hour": JSONValue(settings.requestsPerHour),
            "cursor_rate": JSONValue(settings.cursorRate),
            "max_connections_per_user": JSONValue(settings.maxConnectionsPerUser),
            "upload_max_bytes": JSONValue(Int(settings.uploadMaxBytes)),
        ]
    }

    /// A close handshake started: the user leaves its rooms at once (a dead peer won't answer).
    func sessionClosing(_ session: ClientSession) {
        leaveAllRooms(session)
    }

    func sessionClosed(_ session: ClientSession) {
        sessions.remove(session)
        leaveAllRooms(session)
        log(.info, "closed", connection: session.id, user: session.user.id,
            [("code", JSONValue(Int(session.closeCode))), ("reason", .string(session.closeReason)),
             ("transport", .string(session.transportName))])
    }

    // MARK: Messages

    /// Parses one text message and runs its handler; any refusal becomes an `error` frame.
    func dispatch(_ payload: [UInt8], from session: ClientSession) {
        let message: IncomingMessage
        do {
            message = try IncomingMessage.parse(payload)
        } catch {
            return session.send(error: error, requestID: error.requestID)
        }
        dispatch(message, from: session)
    }

    /// Runs a message's handler, whichever transport brought it.
    func dispatch(_ message: IncomingMessage, from session: ClientSession) {
        let requestID = message.requestID
        do {
            stats.messagesIn += 1
            guard let route = routes[message.type] else {
                unknownMessages += 1
                throw MessageError(.UNKNOWN_MESSAGE_TYPE, "unknown message type '\(message.type.prefix(64))'")
            }
            route.received += 1
            if route.isWrite { try checkWriteRate(session) }
            try route.handle(session, message)
        } catch let error as MessageError {
            session.send(error: error, requestID: requestID ?? error.requestID)
        } catch {
            log(.error, "handler_failed", connection: session.id, user: session.user.id, [("error", .string("\(error)"))])
            session.send(error: MessageError(.INTERNAL_ERROR, "internal error"), requestID: requestID)
        }
    }

    /// Registers the handler of a client message type.
    func on(_ type: String, _ handle: @escaping MessageHandler) {
        routes[type] = MessageRoute(isWrite: Self.writeMessageTypes.contains(type), handle: handle)
    }

    /// Messages received so far by type (only registered types, so clients can't grow it).
    var messagesByType: [(String, UInt64)] {
        var counts = routes.filter { $0.value.received > 0 }.map { ($0.key, $0.value.received) }
        if unknownMessages > 0 { counts.append(("unknown", unknownMessages)) }
        return counts.sorted { $0.0 < $1.0 }
    }

    /// The messages that count against the per-user write limits (SPEC §5).
    static let writeMessageTypes: Set<String> = [
        "cell_update", "cells_update", "ai_request", "file_upload_start", "file_upload_progress",
        "file_upload_complete", "notification_read", "join_room",
    ]

    private func checkWriteRate(_ session: ClientSession) throws(MessageError) {
        switch writeLimiter.check(user: session.user.id, now: loop.now) {
        case .allowed:
            return
        case .refused(let retryAfter, let window):
            stats.rateLimitEvents += 1
            log(.warn, "rate_limited", connection: session.id, user: session.user.id, [("window", .string(window))])
            throw MessageError(.RATE_LIMIT_EXCEEDED,
                               "Rate limit exceeded: too many requests per \(window); retry in \(retryAfter) s",
                               extra: [("retry_after", JSONValue(retryAfter))])
        case .blocked(let retryAfter):
            stats.rateLimitEvents += 1
            log(.warn, "rate_blocked", connection: session.id, user: session.user.id, [("retry_after", JSONValue(retryAfter))])
            throw MessageError(.RATE_LIMIT_EXCEEDED,
                               "Rate limit exceeded repeatedly: blocked; retry in \(retryAfter) s",
                               extra: [("retry_after", JSONValue(retryAfter))])
        }
    }

    private func registerHandlers() {
        registerCellHandlers()
        registerRoomHandlers()
        registerNotificationHandlers()
        registerAIHandlers()
        registerUploadHandlers()
        assert(Self.writeMessageTypes.isSubset(of: routes.keys), "every rate-limited type has a handler")
        registerSignalHandlers()
        on("ping") { session, message in
            session.send(OutgoingMessage("pong", [], requestID: message.requestID))
        }
    }
}

/// Carries a result from another thread to one that waits on a semaphore.
final class ResultBox<T: Sendable>: @unchecked Sendable {  // written before the signal, read after the wait
    private var result: Result<T, Error>?
    func set(_ value: Result<T, Error>) { result = value }
    func get() throws -> T {
        guard let result else { throw StoreError.closed }
        return try result.get()
    }
}

/// A registered message type. Loop thread only.
final class MessageRoute {
    let isWrite: Bool
    let handle: Server.MessageHandler
    var received: UInt64 = 0

    init(isWrite: Bool, handle: @escaping Server.MessageHandler) {
        self.isWrite = isWrite
        self.handle = handle
    }
}
