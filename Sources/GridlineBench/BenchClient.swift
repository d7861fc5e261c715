import GridlineWebSocket

/// One bench connection: its socket, where it is in the connection's life, the bytes waiting
/// to go out and the decoder for what comes in. Scenario state lives in the scenarios,
/// indexed by `index`; the pool owns these objects and only the bench's one thread uses them.
final class BenchClient {
    enum State {
        case idle, connecting, handshaking, open, closing, closed
    }

    let index: Int
    var fd: Int32 = -1
    var state: State = .idle
    /// When the connect was launched and when the 101 was verified (monotonic ns).
    var launchedAt: UInt64 = 0
    var openedAt: UInt64 = 0
    /// When a close frame went out or came in: the close handshake is bounded from here.
    var closingSince: UInt64 = 0
    var expectedAccept = ""
    var handshakeBytes: [UInt8] = []
    var decoder = FrameDecoder(role: .client, maxMessageBytes: 16 * 1024 * 1024)
    var outbox: [UInt8] = []
    var outboxSent = 0
    /// True while the client is on the pool's list of outboxes to flush this pass.
    var queuedForFlush = false
    var closeSent = false
    var closeReceived = false

    init(index: Int) {
        self.index = index
    }

    var isOpen: Bool { state == .open }
    var isPending: Bool { state == .connecting || state == .handshaking }
    var hasUnsentBytes: Bool { outboxSent < outbox.count }

    /// Drops the buffers of a finished connection, so thousands of closed clients hold nothing.
    func releaseBuffers() {
        handshakeBytes = []
        outbox = []
        outboxSent = 0
        decoder = FrameDecoder(role: .client, maxMessageBytes: 0)
    }
}
