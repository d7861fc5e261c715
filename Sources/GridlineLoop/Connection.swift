import CGridlineSystem
import Glibc

/// What a connection's owner is told. Called on the loop thread only.
public protocol ConnectionDelegate: AnyObject {
    /// New bytes, with any bytes left unconsumed last time in front. Valid only during the call.
    /// Returns how many were consumed; the rest is kept and offered again with the next read.
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int
    /// The peer closed, the socket failed, or `close()` was called. Called exactly once.
    func connectionDidClose(_ connection: Connection)
}

/// One accepted TCP connection. Owned by the loop thread: every property and method may be
/// used only there.
public final class Connection {
    public let id: UInt64
    public let peerAddress: String
    /// The protocol session reading this connection; held strongly until the connection closes
    /// (a weak reference would put every session's refcount on its slow path).
    public var delegate: ConnectionDelegate?
    /// Called on the loop when queued output has all been written (for streaming a file out).
    /// What it queues goes out in the next pass, so a stream takes its turn with the others.
    public var onDrained: (() -> Void)?
    /// Written before client connections at the end of each pass: set on a link whose peer
    /// passes the bytes on (Redis), so the hop to other nodes starts before local sockets wake
    /// their readers, who may take the CPU from the loop.
    public var flushesFirst = false

    let fd: Int32
    /// The loop outlives its connections, so no refcounting on this hot reference.
    unowned(unsafe) let loop: EventLoop
    var outbox = Outbox()
    /// Bytes a delegate left unconsumed; nil while none, so idle connections hold no buffer.
    var leftover: [UInt8]?
    var isQueuedForFlush = false
    /// The loop pass that last flushed this connection: it is flushed at most once per pass.
    var flushedInPass: UInt64 = 0
    var isWatchingWritable = false
    var closeAfterFlush = false
    /// Our FIN is sent; input still goes to the delegate until the peer's FIN or the timeout.
    var isLingering = false
    public private(set) var isClosed = false

    init(id: UInt64, fd: Int32, peerAddress: String, loop: EventLoop) {
        self.id = id
        self.fd = fd
        self.peerAddress = peerAddress
        self.loop = loop
    }

    /// Bytes queued and not yet taken by the kernel.
    public var pendingOutputBytes: Int { outbox.pendingBytes }

    /// Queues bytes; they are written at the end of this loop pass together with everything
    /// else queued for this connection (up to the loop's write budget; the rest in later passes).
    public func write(_ chunk: ByteChunk) {
        loop.assertInLoop()
        guard !isClosed, !closeAfterFlush else { return }
        outbox.append(chunk)
        loop.markForFlush(self)
    }

    public func write(_ bytes: [UInt8]) { write(ByteChunk(bytes)) }

    /// Drops queued output that has not started going out (slow-consumer handling).
    @discardableResult
    public func discardUnsentOutput() -> Int {
        loop.assertInLoop()
        return outbox.dropUnstarted()
    }

    /// Closes once everything queued so far is written: sends FIN, then waits for the peer's
    /// FIN (so unread input doesn't turn our last bytes into a reset), or `timeout` seconds.
    public func closeAfterWriting(timeout: Double = 2) {
        loop.assertInLoop()
        guard !isClosed, !closeAfterFlush else { return }
        closeAfterFlush = true
        loop.markForFlush(self)
        loop.schedule(after: timeout) { [weak self] in self?.close() }
    }

    /// Whether `closeAfterWriting` was called: the owner should ignore further input.
    public var isClosing: Bool { closeAfterFlush || isClosed }

    /// Offers bytes kept from earlier reads to the delegate again, after this pass's events
    /// (an owner that paused, e.g. to answer a request asynchronously, calls this to go on).
    public func resumeReading() {
        loop.assertInLoop()
        loop.schedule(after: 0) { [weak self] in
            // Offered even when empty: a parser may have an event ready without more input.
            guard let self, !self.isClosed, let delegate = self.delegate else { return }
            let pending = self.leftover ?? []
            self.leftover = nil
            let consumed = pending.withUnsafeBytes { delegate.connection(self, didRead: $0) }
            if consumed < pending.count, !self.isClosed {
                self.leftover = Array(pending[consumed...])
            }
        }
    }

    /// Closes the socket now, discarding unsent output.
    public func close() {
        loop.assertInLoop()
        guard !isClosed else { return }
        isClosed = true
        loop.remove(self)
        Glibc.close(fd)
        leftover = nil
        outbox = Outbox()
        onDrained = nil
        let owner = delegate
        delegate = nil
        owner?.connectionDidClose(self)
    }
}
