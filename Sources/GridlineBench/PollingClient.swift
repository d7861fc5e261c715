/// One Engine.IO session of the bench on the long-polling transport: a keep-alive HTTP/1.1
/// connection carrying one request at a time (handshake GET, CONNECT POST, then GETs parked
/// until the server has packets, and a POST whenever there is something to answer). The pool
/// drives it; scenario state lives in the scenarios, indexed by `index`.
final class PollingClient {
    enum Phase {
        /// Not launched, TCP connect in progress, waiting for the open packet, for the CONNECT
        /// POST's `ok`, holding a GET, waiting for a POST's `ok`; lost for good; closed by us.
        case idle, connecting, handshake, connectPost, polling, posting, lost, closed
    }

    let index: Int
    var fd: Int32 = -1
    var phase: Phase = .idle
    var sid = ""
    var launchedAt: UInt64 = 0
    var requestSentAt: UInt64 = 0
    /// The response read so far.
    var inbox: [UInt8] = []
    var outbox: [UInt8] = []
    var outboxSent = 0
    /// Packets to POST once the parked GET returns (pongs, events).
    var pendingPackets: [[UInt8]] = []
    /// The Socket.IO CONNECT was answered.
    var established = false
    var pongsSent = 0

    init(index: Int) {
        self.index = index
    }

    /// Still a live session: launched and neither lost nor closed.
    var isLive: Bool { phase != .idle && phase != .lost && phase != .closed }
    var isPending: Bool { phase == .connecting || phase == .handshake || phase == .connectPost }
    var hasUnsentBytes: Bool { outboxSent < outbox.count }
}
