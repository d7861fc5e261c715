import GridlineEngineIO
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineStore
import GridlineWebSocket

/// Engine.IO v4 at `/socket.io/` (SPEC §12): handshakes, long-polling GETs and POSTs, the
/// WebSocket transport and upgrades, CORS, and the sessions' heartbeat. Socket.IO rides on each
/// session (`SocketIOConnection`). Loop thread only.
final class EngineIOService {
    static let path = "/socket.io/"
    /// A POST carrying more packets than this is refused and ends the session: no client batches
    /// that many in one request, and each packet may be a write.
    static let maxPacketsPerPost = 256
    /// A session that has not sent its Socket.IO CONNECT by then is closed (socket.io's
    /// `connectTimeout`), so unauthenticated sessions cannot pile up.
    static let connectTimeoutSeconds = 45.0

    unowned(unsafe) let server: Server
    private(set) var sessions: [String: EngineIOSession] = [:]
    let recovery: SocketIORecovery

    init(server: Server) {
        self.server = server
        // Two minutes, as Socket.IO's default maxDisconnectionDuration; the log's bytes are
        // bounded apart from how many sessions there are.
        self.recovery = SocketIORecovery(window: 120, byteCap: 16 * 1024 * 1024, loop: server.loop)
    }

    var loop: EventLoop { server.loop }
    var settings: Settings { server.settings }

    // MARK: Requests

    /// Answers or holds one request on `/socket.io/`; true when it became a WebSocket.
    func handle(_ request: RESTRequest, http: HTTPSession) -> Bool {
        let head = request.head
        let origin = head.headers["Origin"]
        if head.method == "OPTIONS" {
            http.finish(preflight(head, origin: origin), keepAlive: head.keepAlive)
            return false
        }
        let isUpgrade = head.headers["Upgrade"].map { $0.lowercased().contains("websocket") } ?? false
        let query: EngineIOQuery
        do {
            query = try EngineIOQuery.parse(queryString: Substring(head.query ?? ""), method: head.method,
                                            isWebSocketUpgrade: isUpgrade)
        } catch {
            refuse(http, error, origin: origin)
            return false
        }
        guard let sid = query.sid else { return handshake(query, request: request, http: http, origin: origin) }
        guard let session = sessions[sid] else {
            refuse(http, .sessionIDUnknown, origin: origin)
            return false
        }
        guard mayUse(session, head) else {
            refuse(http, .forbidden, origin: origin)
            return false
        }
        do {
            try query.validate(sessionTransport: session.isWebSocket ? .websocket : .polling, isUpgrade: isUpgrade)
        } catch {
            refuse(http, error, origin: origin)
            return false
        }
        if query.transport == .websocket {
            guard let channel = acceptWebSocket(http, request: request) else { return false }
            channel.handler = EngineIOWebSocketHandler(session: session)
            session.beginUpgrade(channel)
            return true
        }
        switch head.method {
        case "GET":
            guard session.acceptsPolls else {
                refuse(http, .sessionIDUnknown, origin: origin)
                return false
            }
            session.takePoll(http)
        case "POST":
            guard !session.isClosed else {
                refuse(http, .sessionIDUnknown, origin: origin)
                return false
            }
            session.receivePost(request.body, http: http)
        default:
            refuse(http, .badRequest, origin: origin)
        }
        return false
    }

    private func handshake(_ query: EngineIOQuery, request: RESTRequest, http: HTTPSession, origin: String?) -> Bool {
        let head = request.head
        let token = HTTPQuery.value("token", in: head.query) ?? Admission.bearerToken(head.headers)
        let sid = Self.makeSID()
        switch query.transport {
        case .polling:
            let session = EngineIOSession(sid: sid, service: self, carrier: .polling, origin: origin, token: token,
                                          peer: request.peer)
            sessions[sid] = session
            session.sendOpen()
            session.takePoll(http)
            return false
        case .websocket:
            guard let channel = acceptWebSocket(http, request: request) else { return false }
            let session = EngineIOSession(sid: sid, service: self, carrier: .websocket(channel), origin: origin,
                                          token: token, peer: request.peer)
            channel.handler = EngineIOWebSocketHandler(session: session)
            sessions[sid] = session
            session.sendOpen()
            return true
        }
    }

    /// A request that carries a token must carry its session's user's: a sid is not enough to
    /// act for another user who happens to know it.
    private func mayUse(_ session: EngineIOSession, _ head: HTTPRequestHead) -> Bool {
        guard let token = HTTPQuery.value("token", in: head.query) ?? Admission.bearerToken(head.headers) else { return true }
        guard case .success(let user) = server.admission.authenticate(token) else { return false }
        guard let owner = session.socket.session?.user else { return true }
        return owner.id == user.id
    }

    /// Completes an RFC 6455 handshake on `/socket.io/`; nil after writing the refusal.
    /// Engine.IO runs its own heartbeat with `2`/`3` packets, so the channel sends no pings.
    private func acceptWebSocket(_ http: HTTPSession, request: RESTRequest) -> WebSocketChannel? {
        guard let handshake = server.validateWebSocketHandshake(http, request: request) else { return nil }
        return server.switchToWebSocket(http, handshake: handshake, subprotocol: nil, heartbeat: nil)
    }

    /// The protocol's error answer: `{"code","message"}` with 400 (403 for Forbidden).
    func refuse(_ http: HTTPSession, _ error: EngineIORequestError, origin: String?) {
        var response = HTTPResponse.json(status: error.httpStatus, body: error.jsonBody)
        addCORS(&response, origin: origin)
        http.finish(response, keepAlive: true)
    }

    /// Head fields of a polling answer (its body is written separately).
    func pollingHead(origin: String?, contentType: String) -> HTTPResponse {
        var response = HTTPResponse(status: 200)
        response.headers.set("Content-Type", contentType)
        response.headers.set("Cache-Control", "no-store")
        addCORS(&response, origin: origin)
        return response
    }

    /// CORS for allowed origins only, with credentials (SPEC §12): a page elsewhere cannot read
    /// the answers.
    private func addCORS(_ response: inout HTTPResponse, origin: String?) {
        guard let origin, server.admission.isAllowed(origin: origin) else { return }
        response.headers.set("Access-Control-Allow-Origin", origin)
        response.headers.set("Access-Control-Allow-Credentials", "true")
        response.headers.set("Vary", "Origin")
    }

    private func preflight(_ head: HTTPRequestHead, origin: String?) -> HTTPResponse {
        var response = HTTPResponse(status: 204)
        addCORS(&response, origin: origin)
        if response.headers["Access-Control-Allow-Origin"] != nil {
            response.headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            response.headers.set("Access-Control-Allow-Headers",
                                 head.headers["Access-Control-Request-Headers"] ?? "Content-Type, Authorization")
            response.headers.set("Access-Control-Max-Age", "86400")
        }
        return response
    }

    // MARK: Sessions

    func remove(_ session: EngineIOSession) {
        if sessions[session.sid] === session { sessions[session.sid] = nil }
    }

    /// Called by the server's periodic sweep.
    func sweep(now: UInt64) {
        for session in Array(sessions.values) { session.heartbeat(now: now) }
        recovery.sweep(now: now)
    }

    /// Shutdown: sessions with no Socket.IO client yet just end (the others close with their
    /// client sessions).
    func closeUnconnected() {
        for session in Array(sessions.values) where !session.socket.isConnected { session.close(reason: "server shutting down") }
    }

    /// 20 random bytes as hex: unguessable, so one user cannot take over another's session.
    static func makeSID() -> String { RandomID.make(prefix: "", byteCount: 16) }
}

/// Hands a WebSocket's messages to the Engine.IO session it carries (or probes for).
final class EngineIOWebSocketHandler: WebSocketChannelHandler {
    /// Strong: the channel holds this handler until its connection closes.
    let session: EngineIOSession

    init(session: EngineIOSession) {
        self.session = session
    }

    func channel(_ channel: WebSocketChannel, didReceiveText payload: [UInt8]) {
        session.webSocketText(payload, on: channel)
    }

    func channel(_ channel: WebSocketChannel, didReceiveBinary payload: [UInt8]) {
        session.webSocketBinary(payload, on: channel)
    }

    func channelIsClosing(_ channel: WebSocketChannel, code: UInt16, reason: String, byClient: Bool) {
        session.webSocketClosed(channel)
    }

    func channelDidClose(_ channel: WebSocketChannel) {
        session.webSocketClosed(channel)
    }
}
