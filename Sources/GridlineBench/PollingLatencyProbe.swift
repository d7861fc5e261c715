import Foundation

/// Long-polling clients in the room, timing every `cursor_moved` they get from its `meta`
/// stamp (CLOCK_MONOTONIC send time of the sender) to the moment their poll's answer was read.
/// They open and join on the caller's thread, then run on a thread of their own so the raw
/// WebSocket load beside them, driven by the bench's main loop, delays no poll.
final class PollingLatencyProbe: PollingPoolDelegate, @unchecked Sendable {
    /// The ack id of the `join_room` sent with the CONNECT.
    static let joinAckID: UInt64 = 1
    /// However the run goes, the probe's thread stops after this long.
    static let maxSeconds = 3600.0

    let pool: PollingPool
    private(set) var joined = 0
    private(set) var joinRefused = 0
    private var startedAt: UInt64 = .max
    private(set) var latency = LatencyHistogram()
    /// `cursor_moved` events with a stamp from this run, and without one.
    private(set) var received = 0
    private(set) var withoutStamp = 0
    private(set) var otherEvents = 0
    private let lock = NSLock()
    private var stopRequested = false
    private let finished = DispatchSemaphore(value: 0)

    init(pool: PollingPool) {
        self.pool = pool
    }

    /// Opens and joins every poller (bounded by `timeout`), then starts the probe's thread;
    /// returns how many joined.
    func start(timeout: Double) -> Int {
        pool.delegate = self
        let begin = BenchClock.now()
        pool.connectAll(now: begin)
        pool.run(until: begin + BenchClock.nanoseconds(timeout)) { _ in
            joined + joinRefused + pool.stats.failed + pool.lostCount < pool.clients.count
        }
        Progress.say("long-polling: \(pool.establishedCount)/\(pool.clients.count) connected, \(joined) joined"
                     + (pool.stats.errorTotal > 0 ? ", errors \(pool.stats.errors)" : ""))
        startedAt = BenchClock.now()
        let thread = Thread { [self] in
            pool.run(until: startedAt + BenchClock.nanoseconds(Self.maxSeconds), tickMs: 10) { _ in !isStopRequested }
            finished.signal()
        }
        thread.name = "polling-probe"
        thread.start()
        return joined
    }

    /// Stops the thread and waits for it; the figures are the caller's to read afterwards.
    func stop() {
        lock.lock()
        stopRequested = true
        lock.unlock()
        finished.wait()
        pool.closeAll()
    }

    private var isStopRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopRequested
    }

    func pollingClientEstablished(_ client: PollingClient, now: UInt64) {}

    func pollingClient(_ client: PollingClient, received kind: SocketIOPacketScanner.Kind,
                       body: UnsafeBufferPointer<UInt8>, now: UInt64) {
        switch kind {
        case .event(_, let name, let arguments):
            guard JSONFieldScanner.equals(body, name, "cursor_moved") else {
                otherEvents += 1
                return
            }
            guard let stamp = CursorStamp.read(body, object: arguments), stamp.ts >= startedAt else {
                withoutStamp += 1
                return
            }
            // The senders run on the main thread: a message sent after this pass's clock reading
            // can still be in what the pass read, so its arrival is read from the clock again.
            let arrived = stamp.ts <= now ? now : BenchClock.now()
            latency.record(arrived &- min(stamp.ts, arrived))
            received += 1
        case .ack(let id, let arguments) where id == Self.joinAckID:
            let argument = UnsafeBufferPointer(rebasing: body[arguments])
            if let type = JSONFieldScanner.messageType(argument), JSONFieldScanner.equals(argument, type, "room_state") {
                joined += 1
            } else {
                joinRefused += 1
            }
        default:
            break
        }
    }
}
