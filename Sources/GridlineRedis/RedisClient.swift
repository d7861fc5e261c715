import GridlineLoop
import GridlineRESP

/// A pipelined command connection to one Redis, on the loop (SPEC §15). Commands are written
/// as soon as the pass ends, all of a pass's commands in one write; replies are matched in
/// order and every completion runs on the loop thread, exactly once.
///
/// Never hangs: on a broken connection every in-flight command fails with the cause
/// (`connectionLost`, `protocolError`, `timeout`); a command sent while the client backs off
/// between attempts fails at once with `notConnected`; one sent during an attempt waits for it
/// (at most `connectTimeout`). A command with no reply after `replyTimeout` drops the connection.
/// Error replies arrive as `.failure(.server(message))`.
public final class RedisClient: @unchecked Sendable {  // loop-thread state only; Sendable to be handed to `loop.execute`
    public typealias Completion = (Result<RESPValue, RedisError>) -> Void

    public let loop: EventLoop
    public let configuration: RedisConfiguration
    /// True from a finished handshake until the connection breaks (`/api/v1/health`'s "redis").
    public private(set) var isConnected = false
    /// Called on the loop whenever `isConnected` changes.
    public var onStateChange: ((Bool) -> Void)?
    /// Commands written or queued and not yet answered.
    public var inFlightCount: Int { inFlight.count - inFlightHead }

    private let link: RedisLink
    private struct Pending {
        let completion: Completion
        let queuedAt: UInt64
    }
    /// A FIFO with a moving head, so matching a reply costs no array shift.
    private var inFlight: [Pending] = []
    private var inFlightHead = 0
    private var watchdog: TimerHandle?

    public init(loop: EventLoop, configuration: RedisConfiguration) {
        self.loop = loop
        self.configuration = configuration
        self.link = RedisLink(loop: loop, configuration: configuration)
        link.onReady = { [unowned self] in self.setConnected(true) }
        link.onValue = { [unowned self] in self.match($0) }
        link.onDown = { [unowned self] error, wasConnected in
            self.failAll(wasConnected ? error : .notConnected)
            self.setConnected(false)
        }
    }

    /// The latest connection failure; nil while connected.
    public var lastError: RedisError? { link.lastError }

    /// Starts connecting (and reconnecting whenever the connection breaks). Loop thread only.
    public func start() {
        link.start()
        scheduleWatchdog()
    }

    /// Sends one command, e.g. `["SET", key, value, "NX", "PX", 5000]`. Loop thread only.
    public func send(_ arguments: [any RESPArgument], completion: @escaping Completion) {
        guard link.acceptsCommands else {
            let error: RedisError = link.state == .closed ? .closed : .notConnected
            // Never inside `send`: callers may hold state they are still updating.
            loop.schedule(after: 0) { completion(.failure(error)) }
            return
        }
        inFlight.append(Pending(completion: completion, queuedAt: loop.now))
        link.enqueue(arguments)
    }

    /// Closes the connection for good; in-flight commands fail with `closed`.
    public func close() {
        link.close()
        watchdog?.cancel()
        failAll(.closed)
        setConnected(false)
    }

    private func match(_ value: RESPValue) {
        guard inFlightHead < inFlight.count else {
            // A reply nobody asked for: the stream is out of step, and only a new connection fixes it.
            link.drop(.unexpectedReply(value))
            return
        }
        let pending = inFlight[inFlightHead]
        inFlightHead += 1
        if inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: inFlight.count <= 4096)
            inFlightHead = 0
        } else if inFlightHead >= 1024, inFlightHead * 2 >= inFlight.count {
            inFlight.removeSubrange(0..<inFlightHead)
            inFlightHead = 0
        }
        if let message = value.errorMessage {
            pending.completion(.failure(.server(message)))
        } else {
            pending.completion(.success(value))
        }
    }

    private func failAll(_ error: RedisError) {
        // Taken out first: a completion may send again, which must not land in this batch.
        let failed = inFlight[inFlightHead...]
        inFlight = []
        inFlightHead = 0
        for pending in failed { pending.completion(.failure(error)) }
    }

    private func setConnected(_ connected: Bool) {
        guard isConnected != connected else { return }
        isConnected = connected
        onStateChange?(connected)
    }

    /// Checks a few times per reply timeout whether the oldest command has waited too long.
    private func scheduleWatchdog() {
        let period = max(0.05, configuration.replyTimeout / 4)
        watchdog = loop.schedule(after: period) { [weak self] in
            guard let self, self.link.state != .closed else { return }
            if self.inFlightHead < self.inFlight.count,
               self.loop.now - self.inFlight[self.inFlightHead].queuedAt > UInt64(self.configuration.replyTimeout * 1e9) {
                self.link.drop(.timeout)
            }
            self.scheduleWatchdog()
        }
    }
}
