import GridlineLoop
import GridlineRESP

/// One TCP connection to Redis that comes back by itself: connect (with a timeout), handshake
/// (AUTH, SELECT, CLIENT SETNAME), decode replies, and after any failure reconnect with
/// backoff. Commands queued in one loop pass go out in one write at the end of the pass.
/// `RedisClient` and `RedisSubscriber` each own one and decide what replies mean.
/// Loop thread only.
final class RedisLink: ConnectionDelegate {
    enum State: Equatable {
        case idle
        case connecting
        /// Connected; this many handshake replies are still to come.
        case handshaking(remaining: Int)
        case ready
        /// Waiting out the backoff before the next attempt.
        case waiting
        case closed
    }

    let loop: EventLoop
    let configuration: RedisConfiguration
    private(set) var state = State.idle
    /// The latest failure (nil once a connection is ready again).
    private(set) var lastError: RedisError?

    /// The handshake is done: the owner may (re)subscribe, and `isConnected` is true.
    var onReady: () -> Void = {}
    /// One reply or push that is not part of the handshake.
    var onValue: (RESPValue) -> Void = { _ in }
    /// The connection or attempt failed with `error`; `wasConnected` tells whether commands
    /// queued so far may have been written. A reconnect is already scheduled.
    var onDown: (_ error: RedisError, _ wasConnected: Bool) -> Void = { _, _ in }

    private let decoder = RESPDecoder()
    private var connection: Connection?
    private var outgoing: [UInt8] = []
    private var flushScheduled = false
    private var backoff: ReconnectBackoff
    private var attempt: UInt64 = 0
    private var reconnectTimer: TimerHandle?

    init(loop: EventLoop, configuration: RedisConfiguration) {
        self.loop = loop
        self.configuration = configuration
        self.backoff = ReconnectBackoff(minimum: configuration.reconnectMinimumDelay,
                                        maximum: configuration.reconnectMaximumDelay)
    }

    /// Whether commands queued now will be written (once connected, for `connecting`).
    var acceptsCommands: Bool {
        switch state {
        case .connecting, .handshaking, .ready: return true
        case .idle, .waiting, .closed: return false
        }
    }

    func start() {
        guard state == .idle else { return }
        connect()
    }

    /// Queues one command; it is written after the handshake, at the end of this pass.
    func enqueue(_ arguments: [any RESPArgument]) {
        RESPCommandEncoder.encode(arguments, into: &outgoing)
        scheduleFlush()
    }

    /// Drops the current connection (a protocol error, a reply timeout) and reconnects later.
    func drop(_ error: RedisError) {
        guard let current = connection else { return }
        connection = nil
        current.delegate = nil
        current.close()
        fail(error, wasConnected: true)
    }

    /// Closes for good; no further callbacks.
    func close() {
        guard state != .closed else { return }
        state = .closed
        reconnectTimer?.cancel()
        outgoing = []
        if let current = connection {
            connection = nil
            current.delegate = nil
            current.close()
        }
    }

    // MARK: Connecting

    private func connect() {
        state = .connecting
        attempt &+= 1
        let token = attempt
        loop.connect(host: configuration.host, port: configuration.port, timeout: configuration.connectTimeout) {
            [weak self] result in
            guard let self else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            guard self.state == .connecting, self.attempt == token else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .success(let connection): self.didConnect(connection)
            case .failure(let error): self.fail(.connectFailed(error.description), wasConnected: false)
            }
        }
    }

    private func didConnect(_ connection: Connection) {
        self.connection = connection
        connection.flushesFirst = true
        connection.delegate = self
        // The handshake goes in front of whatever was queued while connecting.
        var handshake: [UInt8] = []
        var count = 0
        if let password = configuration.password {
            if let username = configuration.username {
                RESPCommandEncoder.encode(["AUTH", username, password], into: &handshake)
            } else {
                RESPCommandEncoder.encode(["AUTH", password], into: &handshake)
            }
            count += 1
        }
        if configuration.database != 0 {
            RESPCommandEncoder.encode(["SELECT", configuration.database], into: &handshake)
            count += 1
        }
        if let name = configuration.clientName {
            RESPCommandEncoder.encode(["CLIENT", "SETNAME", name], into: &handshake)
            count += 1
        }
        outgoing.insert(contentsOf: handshake, at: 0)
        scheduleFlush()
        if count == 0 {
            becomeReady()
        } else {
            state = .handshaking(remaining: count)
        }
    }

    private func becomeReady() {
        state = .ready
        lastError = nil
        backoff.reset()
        onReady()
    }

    private func fail(_ error: RedisError, wasConnected: Bool) {
        guard state != .closed else { return }
        lastError = error
        outgoing.removeAll()
        state = .waiting
        let delay = backoff.nextDelay()
        reconnectTimer = loop.schedule(after: delay) { [weak self] in
            guard let self, self.state == .waiting else { return }
            self.connect()
        }
        onDown(error, wasConnected)
    }

    // MARK: Bytes

    private func scheduleFlush() {
        guard !flushScheduled, connection != nil else { return }
        flushScheduled = true
        // Commands queued by other end-of-pass actions (a room's batch of events) still make it.
        loop.atEndOfPass { [weak self] in
            guard let self else { return }
            self.flushScheduled = false
            guard let connection = self.connection, !self.outgoing.isEmpty else { return }
            connection.write(self.outgoing)
            self.outgoing.removeAll(keepingCapacity: self.outgoing.count <= 1 << 20)
        }
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count, self.connection === connection {
            let decoded: (value: RESPValue, consumed: Int)?
            do {
                decoded = try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            } catch {
                drop(.protocolError(error))
                return bytes.count
            }
            guard let (value, consumed) = decoded else { break }
            offset += consumed
            route(value)
        }
        return self.connection === connection ? offset : bytes.count
    }

    private func route(_ value: RESPValue) {
        guard case .handshaking(let remaining) = state else {
            onValue(value)
            return
        }
        if let message = value.errorMessage {
            drop(.handshakeFailed(message))
        } else if remaining == 1 {
            becomeReady()
        } else {
            state = .handshaking(remaining: remaining - 1)
        }
    }

    func connectionDidClose(_ connection: Connection) {
        guard self.connection === connection else { return }
        self.connection = nil
        fail(.connectionLost, wasConnected: true)
    }
}
