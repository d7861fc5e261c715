import GridlineCollab
import GridlineEngineIO
import GridlineJSON
import GridlineLoop
import GridlineStore
import GridlineWebSocket

/// Socket.IO v5 on one Engine.IO session, namespace `/` only (SPEC §12). Before CONNECT it
/// admits the client; after, it is the transport of a `ClientSession`: client events become
/// messages named by their `type`, server messages become events (or the answer to an ack),
/// and a lost transport leaves the session recoverable for a while. Loop thread only.
final class SocketIOConnection: SessionTransport {
    /// The engine session owns this connection and outlives it.
    unowned(unsafe) let engine: EngineIOSession
    private(set) var session: ClientSession?
    /// The id the client knows this socket by, and the private id it recovers with.
    private(set) var socketID = ""
    private(set) var pid = ""
    /// Events the client asked to be answered: the reply carrying `requestID` goes to the ack.
    private var pendingAcks: [(requestID: String, ackID: UInt64, awaitsSyncEnd: Bool)] = []
    /// Binary attachments still to drop after a refused binary packet.
    private var attachmentsToSkip = 0
    private var server: Server { engine.service.server }

    static let maxPendingAcks = 256

    init(engine: EngineIOSession) {
        self.engine = engine
    }

    var isConnected: Bool { session != nil }

    // MARK: SessionTransport

    var name: String { engine.transportName }
    var pendingBytes: Int { engine.pendingBytes }

    func deliver(_ message: OutgoingMessage) {
        if let requestID = message.requestID, message.requester == nil || message.requester == session?.id,
           let index = pendingAcks.firstIndex(where: { $0.requestID == requestID }) {
            let pending = pendingAcks[index]
            let ends = !pending.awaitsSyncEnd || ["sync_complete", "sheet_state", "error"].contains(message.type)
            if ends {
                pendingAcks.remove(at: index)
                engine.sendPacket(message.socketIOAck(pending.ackID))
                return
            }
        }
        engine.send(message)
    }

    func discardUnsentOutput() {
        engine.discardQueued()
    }

    /// The server ends the session. A decision about the client (superseded, disconnected by an
    /// admin, a slow consumer) is a Socket.IO DISCONNECT, after which clients do not reconnect on
    /// their own; a shutdown or "try again later" only closes the transport, so they do.
    func close(code: UInt16, reason: String, grace: Double) {
        if code != CloseCode.goingAway && code != CloseCode.tryAgainLater {
            var packet: [UInt8] = []
            SocketIOPacket.encodeDisconnect(into: &packet)
            engine.sendPacket(packet)
        }
        engine.close(reason: reason, grace: grace)
    }

    func heartbeat(now: UInt64) {}  // the engine session's, run by the Engine.IO sweep

    // MARK: Packets from the client

    func receive(_ packet: EngineIOPacket) {
        if packet.isBinary {
            // Attachments of a refused binary packet go quietly; any other binary is refused.
            if attachmentsToSkip > 0 {
                attachmentsToSkip -= 1
            } else {
                refuseBinary(ackID: nil)
            }
            return
        }
        let decoded: SocketIOPacket
        do {
            decoded = try SocketIOPacket.decode(packet.payload)
        } catch {
            server.log(.info, "socketio_parse_error", connection: session?.id, user: session?.user.id,
                       [("error", .string("\(error)"))])
            engine.close(reason: "parse error")
            return
        }
        guard decoded.isDefaultNamespace else {
            if decoded.type == .connect {
                var answer: [UInt8] = []
                SocketIOPacket.encodeConnectError(message: "Invalid namespace", namespace: decoded.namespace, into: &answer)
                engine.sendPacket(answer)
            }
            return
        }
        switch decoded.type {
        case .connect:
            connect(SocketIOConnectAuth(connect: decoded))
        case .event:
            guard let session else { return }
            event(decoded, session: session)
        case .disconnect:
            session?.transportClosing(code: CloseCode.normal, reason: "client disconnect")
            engine.close(reason: "client disconnect")
        case .binaryEvent, .binaryAck:
            attachmentsToSkip = decoded.attachments
            refuseBinary(ackID: decoded.ackID)
        case .ack:
            break  // the server never asks for acks, so every one is for an unknown id
        case .connectError:
            engine.close(reason: "unexpected CONNECT_ERROR from the client")
        }
    }

    private func refuseBinary(ackID: UInt64?) {
        guard let session else { return }
        let requestID = ackID.map { registerAck($0, requestID: nil, type: "") }
        session.send(error: MessageError(.INVALID_MESSAGE, "binary attachments are not supported; send JSON"),
                     requestID: requestID)
    }

    /// A client event: named by the message `type`, its fields the first argument (SPEC §12).
    private func event(_ packet: SocketIOPacket, session: ClientSession) {
        let type = packet.eventName ?? ""
        var requestID: String?
        var body = JSONObject()
        var refusal: MessageError?
        if let argument = packet.firstArgument {
            switch try? JSONParser.parse(argument) {
            case .object(let object)?: body = object
            case let other?: refusal = MessageError(.INVALID_MESSAGE, "the event's argument must be an object, got \(other.typeName)")
            case nil: refusal = MessageError(.INVALID_JSON, "the event's argument is not valid JSON")
            }
        }
        if let raw = body["request_id"], !raw.isNull {
            if let id = raw.stringValue, id.count <= 64 { requestID = id } else {
                refusal = refusal ?? .invalid("request_id", "must be a string of at most 64 characters")
            }
        }
        if let ackID = packet.ackID { requestID = registerAck(ackID, requestID: requestID, type: type) }
        if let refusal { return session.send(error: refusal, requestID: requestID) }
        body["type"] = .string(type)
        server.router.dispatch(IncomingMessage(type: type, body: body, requestID: requestID), from: session)
    }

    /// Remembers an ack; a client that gave no `request_id` gets a random one. Not one made from
    /// the ack id: every client counts acks from 0, and a room broadcast carries its sender's
    /// `request_id`, so another client's pending ack with the same id would take it as its answer.
    private func registerAck(_ ackID: UInt64, requestID: String?, type: String) -> String {
        let id = requestID ?? RandomID.make(prefix: "sio-")
        if pendingAcks.count >= Self.maxPendingAcks { pendingAcks.removeFirst() }
        pendingAcks.append((id, ackID, type == "sync"))
        return id
    }

    // MARK: CONNECT

    /// Admission as SPEC §2, then a session; with a known `pid`, the old session's rooms and
    /// missed events come back (SPEC §12, connection state recovery).
    private func connect(_ auth: SocketIOConnectAuth) {
        guard session == nil else { return }
        guard server.admission.isAllowed(origin: engine.origin) else {
            return refuseConnect(.PERMISSION_DENIED, "origin not allowed", log: "origin \(engine.origin?.prefix(200) ?? "") not allowed")
        }
        guard let token = auth.token ?? engine.handshakeToken, !token.isEmpty else {
            return refuseConnect(.AUTHENTICATION_FAILED, "authentication failed: missing token", log: "missing token")
        }
        let user: User
        switch server.admission.authenticate(token) {
        case .failure(let refusal): return refuseConnect(refusal.code, refusal.text, log: refusal.logReason)
        case .success(let admitted): user = admitted
        }
        let recovered = auth.pid.flatMap { pid in
            engine.service.recovery.take(pid: pid, userID: user.id, offset: auth.offset)
        }
        socketID = recovered?.socketID ?? EngineIOService.makeSID()
        pid = recovered?.pid ?? EngineIOService.makeSID()
        engine.handshakeToken = nil
        let session = ClientSession(id: server.loop.makeConnectionID(), user: user, peer: engine.peer, server: server)
        session.attach(self)
        self.session = session
        engine.service.recovery.sessionOpened()
        var answer: [UInt8] = []
        SocketIOPacket.encodeConnect(sid: socketID, pid: pid, into: &answer)
        engine.sendPacket(answer)
        server.open(session)
        if let recovered, !session.isClosing { server.rooms.restore(recovered, into: session) }
    }

    private func refuseConnect(_ code: ErrorCode, _ text: String, log reason: String) {
        server.stats.handshakesRefused += 1
        server.log(.info, "admission_refused", [("peer", .string(engine.peer)), ("reason", .string(reason)),
                                                ("transport", .string(engine.transportName))])
        var data = JSONObject([("code", .string(code.rawValue)), ("error", .string(text))])
        data.members.append(("recoverable", .bool(false)))
        var answer: [UInt8] = []
        SocketIOPacket.encodeConnectError(message: code.rawValue, dataJSON: JSONValue.object(data).serialized(), into: &answer)
        engine.sendPacket(answer)
    }

    // MARK: The engine session's end

    func carrierChanged() {
        guard let session else { return }
        server.log(.info, "upgraded", connection: session.id, user: session.user.id, [("transport", .string(name))])
    }

    /// The engine session closed. If nobody decided it (the transport was lost), the session can
    /// be recovered within the window: its rooms are remembered.
    func engineClosed(reason: String, transportLost: Bool) {
        guard let session else { return }
        let recovery = engine.service.recovery
        if transportLost, !session.isClosing {
            recovery.detach(socketID: socketID, pid: pid, session: session, now: engine.service.loop.now)
        }
        recovery.sessionClosed()
        session.transportClosing(code: transportLost ? 1006 : CloseCode.normal, reason: reason)
        session.transportClosed()
        self.session = nil
    }
}
