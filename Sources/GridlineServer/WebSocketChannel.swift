import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// What a WebSocket channel hands up: whole messages and the close. Loop thread only.
protocol WebSocketChannelHandler: AnyObject {
    func channel(_ channel: WebSocketChannel, didReceiveText payload: [UInt8])
    func channel(_ channel: WebSocketChannel, didReceiveBinary payload: [UInt8])
    /// The closing handshake started (either side sent a close frame, or a protocol error).
    func channelIsClosing(_ channel: WebSocketChannel, code: UInt16, reason: String, byClient: Bool)
    /// The TCP connection is closed; called exactly once.
    func channelDidClose(_ channel: WebSocketChannel)
}

/// One upgraded connection speaking RFC 6455: decodes frames, answers control frames, runs the
/// closing handshake and, when asked, protocol pings with a silence timeout. What the messages
/// mean is its handler's business (the Gridline JSON protocol, or Engine.IO). Loop thread only.
final class WebSocketChannel: ConnectionDelegate {
    let connection: Connection
    /// Holds the handler strongly: the connection owns the channel, the channel its handler.
    var handler: WebSocketChannelHandler?
    unowned(unsafe) let loop: EventLoop
    private var decoder: FrameDecoder
    /// Protocol pings every `pingInterval` s and close 1001 after `pingTimeout` s of silence;
    /// nil when the protocol above keeps its own heartbeat (Engine.IO).
    private let heartbeat: (interval: Double, timeout: Double)?
    /// When we last heard anything from the peer (ns, loop clock).
    private(set) var lastReceived: UInt64
    private var lastPingSent: UInt64
    private(set) var closeSent = false

    init(connection: Connection, loop: EventLoop, maxMessageBytes: Int, heartbeat: (interval: Double, timeout: Double)?) {
        self.connection = connection
        self.loop = loop
        self.decoder = FrameDecoder(role: .server, maxMessageBytes: maxMessageBytes)
        self.heartbeat = heartbeat
        self.lastReceived = loop.now
        self.lastPingSent = loop.now
    }

    var pendingBytes: Int { connection.pendingOutputBytes }
    var isOpen: Bool { !closeSent && !connection.isClosing }

    // MARK: Reading

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int {
        lastReceived = loop.now
        var offset = 0
        while offset < bytes.count, !connection.isClosed {
            let event: WebSocketEvent?
            do {
                let (consumed, decoded) = try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                offset += consumed
                event = decoded
                if consumed == 0 && decoded == nil { break }
            } catch {
                if !closeSent { close(code: error.closeCode, reason: Self.closeReason(for: error), byClient: false) }
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

    private static func closeReason(for error: FrameError) -> String {
        switch error.closeCode {
        case CloseCode.messageTooBig: return "message too big"
        case CloseCode.invalidPayload: return "invalid UTF-8"
        default: return "protocol error"
        }
    }

    private func handle(_ event: WebSocketEvent) {
        switch event {
        case .text(let payload):
            handler?.channel(self, didReceiveText: payload)
        case .binary(let payload):
            handler?.channel(self, didReceiveBinary: payload)
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
                handler?.channelIsClosing(self, code: code ?? 1005, reason: reason, byClient: true)
            }
            connection.closeAfterWriting()
        }
    }

    // MARK: Writing

    func write(_ chunk: ByteChunk) {
        connection.write(chunk)
    }

    /// Starts the closing handshake; the socket closes when the peer answers or after `grace` s.
    func close(code: UInt16, reason: String, grace: Double = 2, byClient: Bool = false) {
        guard !closeSent, !connection.isClosed else { return }
        closeSent = true
        connection.write(FrameEncoder.closeFrame(code: code, reason: reason))
        connection.closeAfterWriting(timeout: grace)
        handler?.channelIsClosing(self, code: code, reason: reason, byClient: byClient)
    }

    /// Protocol pings and the silence timeout (SPEC §1), when this channel runs them.
    func heartbeat(now: UInt64) {
        guard let heartbeat, !closeSent else { return }
        if now - lastReceived >= UInt64(heartbeat.timeout * 1e9) {
            close(code: CloseCode.goingAway, reason: "ping timeout")
            return
        }
        if now - lastPingSent >= UInt64(heartbeat.interval * 1e9) {
            lastPingSent = now
            connection.write(FrameEncoder.pingFrame([UInt8]()))
        }
    }

    func connectionDidClose(_ connection: Connection) {
        let handler = self.handler
        self.handler = nil
        handler?.channelDidClose(self)
    }
}
