import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// The Gridline protocol straight over RFC 6455 (`/api/v1/ws`): each text frame is one JSON
/// message. Loop thread only.
final class RawWebSocketTransport: SessionTransport, WebSocketChannelHandler {
    /// The connection owns the channel, the channel this transport; the session and this
    /// transport hold each other until the session is closed (see `ClientSession.transportClosed`).
    unowned(unsafe) let channel: WebSocketChannel
    let session: ClientSession

    init(channel: WebSocketChannel, session: ClientSession) {
        self.channel = channel
        self.session = session
    }

    var name: String { "websocket" }
    var pendingBytes: Int { channel.pendingBytes }

    func deliver(_ message: OutgoingMessage) {
        channel.write(message.encoded(.webSocketText))
    }

    func discardUnsentOutput() {
        channel.connection.discardUnsentOutput()
    }

    func close(code: UInt16, reason: String, grace: Double) {
        channel.close(code: code, reason: reason, grace: grace)
    }

    func heartbeat(now: UInt64) {
        channel.heartbeat(now: now)
    }

    func channel(_ channel: WebSocketChannel, didReceiveText payload: [UInt8]) {
        session.server.router.dispatch(payload, from: session)
    }

    func channel(_ channel: WebSocketChannel, didReceiveBinary payload: [UInt8]) {
        session.send(error: MessageError(.INVALID_MESSAGE, "binary frames are not supported; send JSON text"), requestID: nil)
    }

    func channelIsClosing(_ channel: WebSocketChannel, code: UInt16, reason: String, byClient: Bool) {
        if !session.isClosing {
            // Not the session's own decision: the peer closed, or a protocol error or silence did.
            session.server.log(.info, "closing", connection: session.id, user: session.user.id,
                               [("code", JSONValue(Int(code))), ("reason", .string(reason)),
                                ("by", .string(byClient ? "client" : "server"))])
        }
        session.transportClosing(code: code, reason: reason)
    }

    func channelDidClose(_ channel: WebSocketChannel) {
        session.transportClosed()
    }
}
