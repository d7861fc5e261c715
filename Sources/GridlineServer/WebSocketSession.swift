import GridlineCollab
import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// One admitted WebSocket connection: decodes frames, answers control frames, hands JSON
/// messages to the dispatcher, and enforces the send-buffer cap (SPEC §3). Loop thread only.
final class WebSocketSession: ConnectionDelegate {
    let connection: Connection
    let user: User
    /// The server outlives its sessions; unowned(unsafe) keeps refcounting off the send path.
    unowned(unsafe) let server: Server
    private var decoder: FrameDecoder
    /// When we last heard anything from the peer (ns, loop clock).
    private(set) var lastReceived: UInt64
    private var lastPingSent: UInt64
    private(set) var closeSent = false
    /// Per-connection state other modules attach (rooms joined, cursor rate window…).
    var collab: ClientState

    var id: UInt64 { connection.id }

    init(connection: Connection, user: User, server: Server) {
        self.connection = connection
        self.user = user
        self.server = server
        self.decoder = FrameDecoder(role: .server, maxMessageBytes: server.settings.maxMessageBytes)
        self.lastReceived = server.loop.now
        self.lastPingSent = server.loop.now
        self.collab = ClientState(connectionID: connection.id, user: user)
    }

    // MARK: Reading

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int {
        lastReceived = server.loop.now
        var offset = 0
        while offset < bytes.count, !connection.isClosed {
            let event: WebSocketEvent?
            do {
                let (consumed, decoded) = try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                offset += consumed
                event = decoded
                if consumed == 0 && decoded == nil { break }
            } catch {
                if !closeSent {
                    server.log(.info, "protocol_error", connection: id, user: user.id,
                               [("close_code", JSONValue(Int(error.closeCode))), ("reason", .string("\(error)"))])
                    close(code: error.closeCode, reason: closeReason(for: error))
                }
                return bytes.count
            }
            guard let event else { continue }
            if closeSent {
                // After our close frame only the peer's close matters (RFC 6455 §5.5.1); once
                // ours is on the wire, the server closes TCP first (§7.1.1).
                if case .close = event, connection.pendingOutputBytes == 0 { connection.close() }
                continue
            }
            handle(event)
        }
        return offset
    }

    private func closeReason(for error: FrameError) -> String {
        switch error.closeCode {
        case CloseCode.messageTooBig: return "message too big"
        case CloseCode.invalidPayload: return "invalid UTF-8"
        default: return "protocol error"
        }
    }

    private func handle(_ event: WebSocketEvent) {
        switch event {
        case .text(let payload):
            server.dispatch(payload, from: self)
        case .binary:
            send(error: MessageError(.INVALID_MESSAGE, "binary frames are not supported; send JSON text"), requestID: nil)
        case .ping(let payload):
            var frame: [UInt8] = []
            FrameEncoder.encode(opcode: .pong, payload: payload, into: &frame)
            connection.write(frame)
        case .pong:
            break  // lastReceived is already updated; unsolicited pongs need no answer (§5.5.3)
        case .close(let code, let reason):
            // Echo the peer's code (or 1000 for an empty close) and close after it is written (§5.5.1).
            if !closeSent {
                closeSent = true
                connection.write(FrameEncoder.closeFrame(code: code ?? CloseCode.normal))
                server.log(.info, "closing", connection: id, user: user.id,
                           [("code", JSONValue(Int(code ?? CloseCode.normal))), ("by", "client")])
                closeCode = code ?? 1005
                closeReason = reason
                server.sessionClosing(self)
            }
            connection.closeAfterWriting()
        }
    }

    // MARK: Writing

    /// How a frame counts against the send-buffer cap (SPEC §3).
    enum Delivery {
        /// Cursor and typing events: skipped once half the cap is used.
        case droppable
        /// Everything else pushed to the client: passing the cap closes it as a slow consumer.
        case normal
        /// An answer the client asked for (a snapshot, a sync page): queued whole, however
        /// large, as long as the client had been keeping up (its backlog was under the cap).
        case reply
    }

    /// Queues a frame, enforcing the send-buffer cap for clients that stop reading.
    @discardableResult
    func send(_ chunk: ByteChunk, droppable: Bool = false) -> Bool {
        send(chunk, as: droppable ? .droppable : .normal)
    }

    @discardableResult
    func send(_ chunk: ByteChunk, as delivery: Delivery) -> Bool {
        guard !closeSent, !connection.isClosing else { return false }
        let pending = connection.pendingOutputBytes
        let cap = server.settings.sendBufferBytes
        if delivery == .droppable, pending > cap / 2 {
            server.stats.droppedFrames += 1
            return false
        }
        let limit = delivery == .reply ? pending : pending + chunk.count
        if limit > cap {
            server.stats.slowConsumers += 1
            connection.discardUnsentOutput()
            // Its buffers are full: the close frame reaches it only once it reads again, so give
            // it longer than a normal close; its outbox is now just that frame.
            close(code: CloseCode.policyViolation, reason: "slow consumer", grace: 30)
            return false
        }
        connection.write(chunk)
        server.stats.framesOut += 1
        return true
    }

    func send(error: MessageError, requestID: String?) {
        server.stats.countError(error.code)
        send(OutgoingMessage.error(error, requestID: requestID))
    }

    /// Starts the closing handshake; the socket closes when the peer answers or after `grace` s.
    func close(code: UInt16, reason: String, grace: Double = 2) {
        guard !closeSent, !connection.isClosed else { return }
        closeSent = true
        closeCode = code
        closeReason = reason
        server.log(.info, "closing", connection: id, user: user.id,
                   [("code", JSONValue(Int(code))), ("reason", .string(reason)), ("by", "server")])
        connection.write(FrameEncoder.closeFrame(code: code, reason: reason))
        connection.closeAfterWriting(timeout: grace)
        // The session is over for everyone else now, not when the peer gets round to answering.
        server.sessionClosing(self)
    }

    /// 1006 until a close frame is sent or received (RFC 6455 §7.1.5: closed abnormally).
    private(set) var closeCode: UInt16 = 1006
    private(set) var closeReason = "connection lost"

    /// Called once a second: protocol pings and the silence timeout (SPEC §1).
    func heartbeat(now: UInt64) {
        guard !closeSent else { return }
        let timeout = UInt64(server.settings.pingTimeout * 1e9)
        if now - lastReceived >= timeout {
            close(code: CloseCode.goingAway, reason: "ping timeout")
            return
        }
        let interval = UInt64(server.settings.pingInterval * 1e9)
        if now - lastPingSent >= interval {
            lastPingSent = now
            connection.write(FrameEncoder.pingFrame([UInt8]()))
        }
    }

    func connectionDidClose(_ connection: Connection) {
        server.sessionClosed(self)
    }
}
