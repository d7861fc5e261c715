import GridlineCollab
import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// A client as the domain sees it: a user, the rooms it joined, and an outbox with the
/// send-buffer cap (SPEC §3). It does not know which wire it talks over: `transport` carries
/// its frames, so every message handler serves WebSocket and Socket.IO clients alike.
/// Loop thread only.
final class ClientSession {
    let id: UInt64
    let user: User
    let peer: String
    /// Set right after the transport is built around this session; the two hold each other
    /// until the session closes.
    private(set) var transport: SessionTransport = ClosedTransport()
    /// The transport's name, kept for the `closed` log line.
    private(set) var transportName = "none"
    /// The server outlives its sessions; unowned(unsafe) keeps refcounting off the send path.
    unowned(unsafe) let server: Server
    /// Per-connection state other modules attach (rooms joined, cursor rate window…).
    var collab: ClientState
    /// True from the moment the session starts closing; it then takes no more messages.
    private(set) var isClosing = false
    /// 1006 until the close is decided (RFC 6455 §7.1.5: closed abnormally).
    private(set) var closeCode: UInt16 = 1006
    private(set) var closeReason = "connection lost"

    init(id: UInt64, user: User, peer: String, server: Server) {
        self.id = id
        self.user = user
        self.peer = peer
        self.server = server
        self.collab = ClientState(connectionID: id, user: user)
    }

    var pendingOutputBytes: Int { transport.pendingBytes }

    func attach(_ transport: SessionTransport) {
        self.transport = transport
        transportName = transport.name
    }

    /// How a message counts against the send-buffer cap (SPEC §3).
    enum Delivery {
        /// Cursor and typing events: skipped once half the cap is used.
        case droppable
        /// Everything else pushed to the client: passing the cap closes it as a slow consumer.
        case normal
        /// An answer the client asked for (a snapshot, a sync page): queued whole, however
        /// large, as long as the client had been keeping up (its backlog was under the cap).
        case reply
    }

    @discardableResult
    func send(_ message: OutgoingMessage, droppable: Bool = false) -> Bool {
        send(message, as: droppable ? .droppable : .normal)
    }

    /// Queues a message, enforcing the send-buffer cap for clients that stop reading.
    @discardableResult
    func send(_ message: OutgoingMessage, as delivery: Delivery) -> Bool {
        guard !isClosing else { return false }
        let pending = transport.pendingBytes
        let cap = server.settings.sendBufferBytes
        if delivery == .droppable, pending > cap / 2 {
            server.stats.droppedFrames += 1
            return false
        }
        // The message's size in this format is near its JSON size; framing adds a few bytes.
        let limit = delivery == .reply ? pending : pending + message.json.count
        if limit > cap {
            server.stats.slowConsumers += 1
            transport.discardUnsentOutput()
            // Its buffers are full: the close reaches it only once it reads again, so give it
            // longer than a normal close; its outbox is now just that.
            close(code: CloseCode.policyViolation, reason: "slow consumer", grace: 30)
            return false
        }
        transport.deliver(message)
        server.stats.framesOut += 1
        return true
    }

    func send(error: MessageError, requestID: String?) {
        server.stats.countError(error.code)
        send(OutgoingMessage.error(error, requestID: requestID))
    }

    /// The server ends the session: the transport says goodbye in its own terms.
    func close(code: UInt16, reason: String, grace: Double = 2) {
        guard !isClosing else { return }
        server.log(.info, "closing", connection: id, user: user.id,
                   [("code", JSONValue(Int(code))), ("reason", .string(reason)), ("by", "server")])
        transportClosing(code: code, reason: reason)
        transport.close(code: code, reason: reason, grace: grace)
    }

    /// The session is over for everyone else now, not when the peer gets round to answering.
    func transportClosing(code: UInt16, reason: String) {
        guard !isClosing else { return }
        isClosing = true
        closeCode = code
        closeReason = reason
        server.sessionClosing(self)
    }

    /// The transport is gone for good.
    func transportClosed() {
        isClosing = true
        transport = ClosedTransport()
        server.sessionClosed(self)
    }
}

/// Where a session's frames go before its transport is attached and after it is gone.
final class ClosedTransport: SessionTransport {
    var name: String { "closed" }
    var pendingBytes: Int { 0 }
    func deliver(_ message: OutgoingMessage) {}
    func discardUnsentOutput() {}
    func close(code: UInt16, reason: String, grace: Double) {}
    func heartbeat(now: UInt64) {}
}
