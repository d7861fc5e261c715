import Dispatch
import Foundation
import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineStore
import GridlineWebSocket

/// The wiring: owns the event loop, the connections and sessions, and the infrastructure every
/// service shares (settings, store, log, stats, admission, the room directory, the message
/// router, the `onLoop` callbacks); each service owns its own state and registers its handlers.
/// Everything here runs on the loop thread; `requestShutdown` is the one entry from elsewhere.
public final class Server: @unchecked Sendable {  // state is touched only on the loop thread
    static let version = "0.1.0"

    public let settings: Settings
    public let loop: EventLoop
    let store: Store
    let logger: Log
    let restRouter: Router<Endpoint>
    var admission: Admission
    var stats = ServerStats()
    var httpSessions: [UInt64: HTTPSession] = [:]
    let sessions = SessionRegistry()
    var connectLimiter: ConnectRateLimiter
    /// Which rooms and sheets exist (loaded at start, changed by `RoomAdminService`).
    var directory = RoomDirectory()
    /// What `connection_established` tells every client about the limits; fixed at start-up.
    let limits: JSONValue
    /// Loop-thread closures waiting for another thread's answer (see `onLoop`).
    private var pendingCallbacks: [UInt64: Any] = [:]
    private var nextCallbackID: UInt64 = 0
    public private(set) var port: UInt16 = 0
    private var shuttingDown = false
    private var signalSources: [DispatchSourceSignal] = []

    // Services: each owns its state and reaches the above through an unowned(unsafe) `server`
    // (lazy only because they need `self`).
    private(set) lazy var router = MessageRouter(server: self)
    /// `/socket.io/`: Engine.IO sessions and Socket.IO recovery (SPEC §12).
    private(set) lazy var engineIO = EngineIOService(server: self)
    private(set) lazy var rooms = RoomService(server: self)
    private(set) lazy var cells = CellService(server: self)
    private(set) lazy var notifications = NotificationService(server: self)
    private(set) lazy var uploads = UploadService(server: self)
    private(set) lazy var ai = AIService(server: self)
    private(set) lazy var admin = AdminService(server: self)
    private(set) lazy var roomAdmin = RoomAdminService(server: self)
    /// Several nodes through Redis (SPEC §15); nil on a single node. Set in `start`, once the
    /// port (part of the default node id) is known.
    private(set) var cluster: ClusterService?
    private let secret: [UInt8]

    public init(settings: Settings, secret: [UInt8], store: Store) throws {
        self.settings = settings
        self.store = store
        self.loop = try EventLoop()
        self.logger = Log(minimum: settings.logLevel)
        self.restRouter = Endpoint.makeRouter()
        self.admission = Admission(secret: secret, settings: settings)
        self.secret = secret
        self.connectLimiter = ConnectRateLimiter(perWindow: settings.connectRate)
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
        directory = Self.directory(of: try box.get())
    }

    static func directory(of records: [RoomRecord]) -> RoomDirectory {
        var directory = RoomDirectory()
        for room in records {
            directory.add(RoomInfo(id: room.id, name: room.name, createdAt: room.createdAt, sheetIDs: room.sheets.map(\.id)))
            for sheet in room.sheets { directory.add(SheetInfo(id: sheet.id, roomID: sheet.roomId, name: sheet.name)) }
        }
        return directory
    }

    /// Another node created or deleted a room or sheet (SPEC §15): read the directory again;
    /// members of a room that is gone hear `room_closed`.
    func reloadDirectory() {
        store.reader.submit({ db in try RoomStore.listRooms(db) }, completion: onLoop { [unowned self] (result: Result<[RoomRecord], Error>) in
            guard case .success(let records) = result else { return }
            let fresh = Self.directory(of: records)
            let gone = self.directory.rooms.keys.filter { fresh.rooms[$0] == nil }
            self.directory = fresh
            for roomID in gone { _ = self.rooms.close(roomID) }
        })
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
        admin.scheduleLoopProbe(expected: loop.now)
        if let redis = settings.redis {
            let nodeID = settings.nodeID ?? Self.defaultNodeID(port: port)
            // Connection ids name a connection cluster-wide (REST disconnect on any node).
            loop.startConnectionIDs(at: UInt64.random(in: 1...0xFFFFF) << 32)
            let cluster = ClusterService(server: self, configuration: redis, nodeID: nodeID, secret: secret)
            self.cluster = cluster
            cluster.start()
        }
        log(.info, "listening", [("host", .string(settings.host)), ("port", JSONValue(Int(port)))])
        return port
    }

    /// SPEC §15's default: host name and port.
    static func defaultNodeID(port: UInt16) -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "node"
        let cleaned = String(host.unicodeScalars.map { scalar -> Character in
            Settings.isValidNodeID(String(scalar)) ? Character(scalar) : "-"
        }.prefix(50))
        return "\(cleaned.isEmpty ? "node" : cleaned):\(port)"
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
        cluster?.stop()
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
            self.router.sweepLimits(now: self.loop.now)
            self.connectLimiter.sweep(now: self.loop.now)
            self.cluster?.users.sweep(now: self.loop.now)
            self.scheduleLimiterSweep()
        }
    }

    // MARK: WebSocket upgrade

    /// Validates the handshake, admits the client and switches the connection to WebSocket.
    /// Returns true when upgraded; otherwise an HTTP refusal was written.
    func upgrade(_ http: HTTPSession, request: RESTRequest) -> Bool {
        guard let handshake = validateWebSocketHandshake(http, request: request) else { return false }
        let admitted: Admitted
        switch admission.admit(head: request.head, handshake: handshake, peer: request.peer) {
        case .success(let value):
            admitted = value
        case .failure(let refusal):
            stats.handshakesRefused += 1
            log(.info, "admission_refused", connection: http.connection.id,
                [("peer", .string(request.peer)), ("reason", .string(refusal.logReason))])
            http.fail(status: refusal.status, code: refusal.code.rawValue, text: refusal.text)
            return false
        }
        let channel = switchToWebSocket(http, handshake: handshake, subprotocol: admitted.subprotocol,
                                        heartbeat: (settings.pingInterval, settings.pingTimeout))
        let session = ClientSession(id: channel.connection.id, user: admitted.user, peer: request.peer, server: self)
        let transport = RawWebSocketTransport(channel: channel, session: session)
        channel.handler = transport
        session.attach(transport)
        open(session)
        return true
    }

    /// Checks an upgrade request against RFC 6455 §4.2.1; on failure writes the refusal (426
    /// with the supported version, or 400) and returns nil. Both WebSocket endpoints use it.
    func validateWebSocketHandshake(_ http: HTTPSession, request: RESTRequest) -> HandshakeRequest? {
        let head = request.head
        let headerList = head.headers.fields.map { (name: $0.name, value: $0.value) }
        switch WebSocketHandshake.validate(method: head.method, versionMinor: head.versionMinor, headers: headerList) {
        case .success(let valid):
            return valid
        case .failure(let error):
            stats.handshakesRefused += 1
            log(.info, "handshake_refused", connection: http.connection.id,
                [("peer", .string(request.peer)), ("reason", .string(error.reason))])
            let extra: [(String, String)] = error.status == 426 ? [("Sec-WebSocket-Version", "13")] : []
            http.fail(status: error.status, code: "INVALID_MESSAGE", text: error.reason, headers: extra)
            return nil
        }
    }

    /// Answers 101 and hands the connection from HTTP to a WebSocket channel; the caller sets
    /// its handler. `heartbeat` nil leaves pings to the protocol above (Engine.IO).
    func switchToWebSocket(_ http: HTTPSession, handshake: HandshakeRequest, subprotocol: String?,
                           heartbeat: (interval: Double, timeout: Double)?) -> WebSocketChannel {
        let connection = http.connection
        httpSessions[connection.id] = nil
        connection.write(WebSocketHandshake.responseHead(
            accept: WebSocketHandshake.acceptValue(forKey: handshake.key), subprotocol: subprotocol))
        let channel = WebSocketChannel(connection: connection, loop: loop, maxMessageBytes: settings.maxMessageBytes,
                                       heartbeat: heartbeat)
        connection.delegate = channel
        return channel
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
        if let cluster {
            // The limit counts over every node (SPEC §15); Redis names the oldest to close.
            sessions.add(session, limit: .max)
            cluster.users.registerConnection(session)
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
        rooms.leaveAllRooms(session)
    }

    func sessionClosed(_ session: ClientSession) {
        sessions.remove(session)
        cluster?.users.unregisterConnection(session)
        rooms.leaveAllRooms(session)
        log(.info, "closed", connection: session.id, user: session.user.id,
            [("code", JSONValue(Int(session.closeCode))), ("reason", .string(session.closeReason)),
             ("transport", .string(session.transportName))])
    }

    // MARK: Messages

    /// Every service's client messages, and `ping`.
    private func registerHandlers() {
        cells.registerHandlers(on: router)
        rooms.registerHandlers(on: router)
        notifications.registerHandlers(on: router)
        ai.registerHandlers(on: router)
        uploads.registerHandlers(on: router)
        router.on("ping") { session, message in
            session.send(OutgoingMessage("pong", [], requestID: message.requestID))
        }
        assert(MessageRouter.writeMessageTypes.isSubset(of: router.registeredTypes), "every rate-limited type has a handler")
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
