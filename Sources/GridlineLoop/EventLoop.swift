import CGridlineSystem
import Glibc

/// The reactor (Redis's ae.c in spirit): one thread runs `epoll_wait` and owns every
/// connection. Other threads hand work in with `execute`, which wakes the loop via an eventfd.
/// Output queued during a pass is written once per connection at the end of the pass, at most
/// `writeBudget` bytes each (Redis's writeToClient stops at 64 KiB per client for the same reason):
/// the rest, and whatever an `onDrained` queues, goes out in the next pass, so one fast download
/// cannot keep the loop away from every other connection.
public final class EventLoop: @unchecked Sendable {  // loop-thread state except `inbox`, which `inboxLock` guards
    public struct Listener {
        public let fd: Int32
        public let port: UInt16
    }

    let epollFD: Int32
    private let wakeFD: Int32
    private var listeners: [Int32: (Connection) -> Void] = [:]
    /// Outbound sockets waiting for their non-blocking connect to finish (EventLoop+Connect).
    var pendingConnects: [Int32: PendingConnect] = [:]
    /// Indexed by file descriptor; epoll's data carries `epollTag` to detect reuse.
    private var connectionsByFD: [Connection?] = []
    public private(set) var connectionCount = 0
    private var nextConnectionID: UInt64 = 1
    /// Connections to flush at the end of this pass; while `flushAll` runs, of the next one.
    private var flushQueue: [Connection] = []
    /// The same for connections that are flushed first (`Connection.flushesFirst`).
    private var firstFlushQueue: [Connection] = []
    /// The queue being flushed (kept to reuse its storage).
    private var flushing: [Connection] = []
    private var timers = TimerHeap()
    /// `atEndOfPass` actions waiting for this pass's end.
    private var passEndActions: [() -> Void] = []
    private var runningPassEndActions: [() -> Void] = []
    private var running = false
    private var readBuffer: UnsafeMutableRawBufferPointer
    private let iovecs: UnsafeMutablePointer<iovec>
    private static let iovecCount = 512

    private let inboxLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var inbox: [@Sendable () -> Void] = []
    private var wakePending = false

    /// Monotonic time at the start of the current pass, in nanoseconds.
    public private(set) var now: UInt64 = monotonicNanoseconds()
    /// The longest a pass took recently, a measure of how late the loop answers (ms).
    public private(set) var recentLagMilliseconds: Double = 0
    public private(set) var bytesRead: UInt64 = 0
    public private(set) var bytesWritten: UInt64 = 0
    /// Passes run so far (each `epoll_wait` starts one).
    public private(set) var passCount: UInt64 = 0
    /// Flushes that stopped at the write budget with output left for the next pass.
    public private(set) var budgetDeferrals: UInt64 = 0
    /// The most one connection writes in one pass.
    public let writeBudget: Int
    /// 64 KiB as in Redis: one `sendmsg` of it costs tens of microseconds, so a pass that
    /// serves several downloads stays far below a millisecond, and loopback downloads still
    /// run at hundreds of MB/s (measured in PERFORMANCE.md, "Fair writing per loop pass").
    public static let defaultWriteBudget = 64 * 1024
    /// The thread inside `run()`, 0 outside it; read by `assertInLoop` in debug builds only.
    @usableFromInline var loopThread: pthread_t = 0
    /// Called at the end of every pass (tests observe passes with it).
    var passDidEnd: (() -> Void)?
    /// The timeout (ms) of the last `epoll_wait`, for the same tests.
    private(set) var lastWaitTimeout: Int32 = 0

    public init(writeBudget: Int = EventLoop.defaultWriteBudget) throws(SocketError) {
        precondition(writeBudget > 0, "a zero budget would never write")
        self.writeBudget = writeBudget
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError(call: "epoll_create1", code: errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SocketError(call: "eventfd", code: errno) }
        readBuffer = .allocate(byteCount: 256 * 1024, alignment: 16)
        iovecs = .allocate(capacity: Self.iovecCount)
        pthread_mutex_init(inboxLock, nil)
        _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, EPOLLIN.rawValue, UInt64(UInt32.max))
    }

    deinit {
        Glibc.close(epollFD)
        Glibc.close(wakeFD)
        readBuffer.deallocate()
        iovecs.deallocate()
        pthread_mutex_destroy(inboxLock)
        inboxLock.deallocate()
    }

    // MARK: Threads

    /// Stops a debug build when called from a thread other than the one running the loop
    /// (SwiftNIO's `preconditionInEventLoop`); compiles to nothing in release builds. Before
    /// `run()` and after it returns, the thread that set the loop up owns it, so that passes.
    @inlinable @inline(__always)
    public func assertInLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(isOnLoopThread, "called off the event loop's thread", file: file, line: line)
    }

    @usableFromInline var isOnLoopThread: Bool {
        loopThread == 0 || pthread_equal(loopThread, pthread_self()) != 0
    }

    // MARK: Cross-thread hand-off

    /// Runs `task` on the loop thread during its next pass. Safe from any thread.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(inboxLock)
        inbox.append(task)
        let shouldWake = !wakePending
        wakePending = true
        pthread_mutex_unlock(inboxLock)
        if shouldWake {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
    }

    private func runInbox() {
        var drained: UInt64 = 0
        _ = Glibc.read(wakeFD, &drained, 8)
        pthread_mutex_lock(inboxLock)
        let tasks = inbox
        inbox.removeAll(keepingCapacity: true)
        wakePending = false
        pthread_mutex_unlock(inboxLock)
        for task in tasks { task() }
    }

    // MARK: Listeners and connections

    /// Listens on host:port (port 0 picks a free one); `onAccept` sets up each new connection.
    public func listen(host: String, port: UInt16, backlog: Int32 = 4096,
                       onAccept: @escaping (Connection) -> Void) throws(SocketError) -> Listener {
        let (fd, actualPort) = try Socket.listen(host: host, port: port, backlog: backlog)
        listeners[fd] = onAccept
        _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, EPOLLIN.rawValue, UInt64(UInt32(fd)))
        return Listener(fd: fd, port: actualPort)
    }

    /// Stops accepting on every listener (existing connections stay).
    public func closeListeners() {
        for fd in listeners.keys {
            _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, 0, 0)
            Glibc.close(fd)
        }
        listeners.removeAll()
    }

    private func acceptBatch(listener fd: Int32, onAccept: (Connection) -> Void) {
        for _ in 0..<128 {
            guard let (clientFD, peer) = Socket.accept(listener: fd) else { return }
            onAccept(register(fd: clientFD, peerAddress: peer, epollOperation: EPOLL_CTL_ADD))
        }
    }

    /// Makes a connected socket a `Connection` read by this loop (`EPOLL_CTL_MOD` when the fd
    /// is already in epoll, as an outbound socket is while it connects).
    func register(fd: Int32, peerAddress: String, epollOperation: Int32) -> Connection {
        let connection = Connection(id: makeConnectionID(), fd: fd, peerAddress: peerAddress, loop: self)
        if Int(fd) >= connectionsByFD.count {
            connectionsByFD.append(contentsOf: repeatElement(nil, count: Int(fd) + 1024 - connectionsByFD.count))
        }
        connectionsByFD[Int(fd)] = connection
        connectionCount += 1
        _ = cgl_epoll_ctl(epollFD, epollOperation, fd, EPOLLIN.rawValue | EPOLLRDHUP.rawValue,
                          connection.epollTag(fd: fd))
        return connection
    }

    func remove(_ connection: Connection) {
        _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, 0, 0)
        if connectionsByFD[Int(connection.fd)] === connection {
            connectionsByFD[Int(connection.fd)] = nil
            connectionCount -= 1
        }
    }

    /// Moves the connection-id counter (before any connection exists): cluster nodes each
    /// start at a random high base so ids stay unique across nodes (SPEC §15).
    public func startConnectionIDs(at first: UInt64) {
        assertInLoop()
        nextConnectionID = max(nextConnectionID, first)
    }

    /// An id from the connections' own sequence, for sessions that outlive any one connection
    /// (Engine.IO long-polling), so the two kinds never collide.
    public func makeConnectionID() -> UInt64 {
        // epoll's tag holds the id's low 32 bits, and zero there marks a listener: skip those ids.
        if UInt32(truncatingIfNeeded: nextConnectionID) == 0 { nextConnectionID += 1 }
        defer { nextConnectionID += 1 }
        return nextConnectionID
    }

    /// Every open connection, for sweeps (heartbeats, shutdown).
    public var connections: [Connection] { connectionsByFD.compactMap { $0 } }

    // MARK: Timers

    /// Runs `action` on the loop thread after `seconds`.
    @discardableResult
    public func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerHandle {
        assertInLoop()
        return timers.schedule(at: now + UInt64(max(0, seconds) * 1e9), action)
    }

    /// Runs `action` at the end of this pass: after its events, handed-in tasks and due timers,
    /// just before its output is written. Actions added by these actions run in the same pass,
    /// so a layer that batches (room events) can hand its batch to the next (a Redis link) and
    /// both go out now, not one pass later.
    public func atEndOfPass(_ action: @escaping () -> Void) {
        assertInLoop()
        passEndActions.append(action)
    }

    private func runPassEndActions() {
        while !passEndActions.isEmpty {
            swap(&passEndActions, &runningPassEndActions)
            for action in runningPassEndActions { action() }
            runningPassEndActions.removeAll(keepingCapacity: runningPassEndActions.count < 4096)
        }
    }

    // MARK: Running

    public func stop() { execute { [unowned self] in self.running = false } }

    /// Runs passes until `stop()`; each pass waits for events, runs due timers and handed-in
    /// tasks, then flushes every connection that has output.
    public func run() {
        running = true
        loopThread = pthread_self()
        defer { loopThread = 0 }
        let maxEvents = 256
        let events = UnsafeMutablePointer<UInt32>.allocate(capacity: maxEvents)
        let datas = UnsafeMutablePointer<UInt64>.allocate(capacity: maxEvents)
        defer {
            events.deallocate()
            datas.deallocate()
        }
        while running {
            var timeout: Int32 = 1000
            if !flushQueue.isEmpty || !firstFlushQueue.isEmpty || !passEndActions.isEmpty {
                timeout = 0  // output is waiting, some of it deferred by the budget: don't sleep
            } else if let deadline = timers.nextDeadline {
                let current = monotonicNanoseconds()
                timeout = deadline <= current ? 0 : Int32(min(1000, (deadline - current + 999_999) / 1_000_000))
            }
            lastWaitTimeout = timeout
            let n = cgl_epoll_wait(epollFD, events, datas, Int32(maxEvents), timeout)
            let passStart = monotonicNanoseconds()
            now = passStart
            passCount &+= 1
            if n > 0 {
                for i in 0..<Int(n) { handle(events: events[i], data: datas[i]) }
            }
            for action in timers.popDue(now: now) { action() }
            runPassEndActions()
            flushAll()
            let passMilliseconds = Double(monotonicNanoseconds() - passStart) / 1e6
            recentLagMilliseconds = max(passMilliseconds, recentLagMilliseconds * 0.95)
            passDidEnd?()
        }
    }

    private func handle(events: UInt32, data: UInt64) {
        if data == UInt64(UInt32.max) {
            runInbox()
            return
        }
        let fd = Int32(truncatingIfNeeded: data & 0xFFFF_FFFF)
        if data >> 32 == 0 {
            // Listeners and connecting sockets carry only their fd; connections carry an id too.
            if let onAccept = listeners[fd] {
                acceptBatch(listener: fd, onAccept: onAccept)
            } else if pendingConnects[fd] != nil {
                finishConnect(fd: fd)
            }
            return
        }
        guard Int(fd) < connectionsByFD.count, let connection = connectionsByFD[Int(fd)],
              UInt32(truncatingIfNeeded: connection.id) == UInt32(data >> 32) else { return }
        if events & EPOLLOUT.rawValue != 0 { flush(connection) }
        if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0,
           !connection.isClosed {
            read(connection)
        }
    }

    private func read(_ connection: Connection) {
        let n = Glibc.read(connection.fd, readBuffer.baseAddress, readBuffer.count)
        if n == 0 {
            connection.close()
            return
        }
        if n < 0 {
            let err = errno
            if err != EAGAIN && err != EWOULDBLOCK && err != EINTR { connection.close() }
            return
        }
        bytesRead += UInt64(n)
        guard let delegate = connection.delegate else { return }
        let fresh = UnsafeRawBufferPointer(rebasing: readBuffer[0..<n])
        if var pending = connection.leftover {
            // A partial message from earlier: append and offer the whole.
            connection.leftover = nil
            pending.append(contentsOf: fresh)
            let consumed = pending.withUnsafeBytes { delegate.connection(connection, didRead: $0) }
            if consumed < pending.count, !connection.isClosed {
                pending.removeSubrange(0..<consumed)
                connection.leftover = pending
            }
        } else {
            // The common case: parse straight out of the shared read buffer, copy only a tail.
            let consumed = delegate.connection(connection, didRead: fresh)
            if consumed < n, !connection.isClosed {
                connection.leftover = Array(fresh[consumed...])
            }
        }
    }

    // MARK: Writing

    func markForFlush(_ connection: Connection) {
        guard !connection.isQueuedForFlush, !connection.isWatchingWritable else { return }
        connection.isQueuedForFlush = true
        if connection.flushesFirst {
            firstFlushQueue.append(connection)
        } else {
            flushQueue.append(connection)
        }
    }

    /// Flushes the queued connections, those flushed first (links other processes wait on) ahead
    /// of the rest. Whatever a scan queues for its own kind (an `onDrained` refilling, a
    /// connection the budget stopped) lands in the next pass's queue, and so does a connection
    /// already flushed this pass (on EPOLLOUT): one flush per pass each.
    private func flushAll() {
        if !firstFlushQueue.isEmpty {
            swap(&firstFlushQueue, &flushing)
            flushSwapped()
        }
        swap(&flushQueue, &flushing)
        flushSwapped()
    }

    private func flushSwapped() {
        for connection in flushing {
            if connection.isClosed {
                connection.isQueuedForFlush = false
            } else if connection.flushedInPass == passCount {
                // Still marked as queued: back in its queue for the next pass.
                if connection.flushesFirst { firstFlushQueue.append(connection) } else { flushQueue.append(connection) }
            } else {
                connection.isQueuedForFlush = false
                flush(connection)
            }
        }
        flushing.removeAll(keepingCapacity: flushing.count < 4096)
    }

    private func flush(_ connection: Connection) {
        connection.flushedInPass = passCount
        let (result, written) = connection.outbox.flush(fd: connection.fd, scratch: iovecs, scratchCount: Self.iovecCount,
                                                        limit: writeBudget)
        bytesWritten += UInt64(written)
        switch result {
        case .drained:
            if connection.isWatchingWritable {
                connection.isWatchingWritable = false
                _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd, EPOLLIN.rawValue | EPOLLRDHUP.rawValue,
                                  connection.epollTag(fd: connection.fd))
            }
            if connection.closeAfterFlush, !connection.isLingering {
                connection.isLingering = true
                shutdown(connection.fd, Int32(SHUT_WR))
            } else if let onDrained = connection.onDrained {
                onDrained()
            }
        case .budgetSpent:
            budgetDeferrals += 1
            // The socket took everything offered, so it likely takes more: go on next pass. One
            // already watching EPOLLOUT keeps watching; level-triggered, that wakes the next pass.
            if !connection.isWatchingWritable { markForFlush(connection) }
        case .wouldBlock:
            if !connection.isWatchingWritable {
                connection.isWatchingWritable = true
                _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd,
                                  EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLOUT.rawValue,
                                  connection.epollTag(fd: connection.fd))
            }
        case .failed:
            connection.close()
        }
    }
}

extension Connection {
    /// epoll's user data: the id's low 32 bits (so an event for a closed connection whose fd
    /// was reused is recognised as stale) and the fd.
    @inline(__always)
    func epollTag(fd: Int32) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: id)) << 32 | UInt64(UInt32(fd))
    }
}
