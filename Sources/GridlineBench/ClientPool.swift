import CGridlineSystem
import Glibc
import GridlineWebSocket

/// The bench's reactor: a set of WebSocket client connections driven by one epoll instance on
/// one thread. It launches non-blocking connects with at most `concurrency` connects and
/// handshakes in flight, verifies each handshake, answers pings, decodes server frames and
/// corks writes: frames queued during a pass go out in one `send` per connection at its end.
final class ClientPool {
    struct Settings {
        var address: ServerAddress
        var hostHeader: String
        var path: String
        var concurrency: Int
        var connectTimeout: UInt64
        var closeTimeout: UInt64
        /// Per-client ports (client i connects to `ports[i]` on the same host), for loads spread
        /// over several servers; empty means every client uses `address.port`.
        var ports: [UInt16] = []

        func address(of index: Int) -> ServerAddress {
            guard index < ports.count else { return address }
            return address.with(port: ports[index])
        }
    }

    let settings: Settings
    let clients: [BenchClient]
    /// Strong, not weak: a weak load per message showed up in profiles. The scenario owns the
    /// pool and clears this when it is done (`ScenarioRun.closePhase`), ending the cycle.
    var delegate: ClientPoolDelegate?
    var stats = PoolStats()
    var random = BenchRandom()
    /// Set for the final close phase: closes after this point are expected, not errors.
    var shuttingDown = false

    private let tokenFor: (Int) -> String
    private let epoll: BenchEpoll
    private var nextToLaunch = 0
    private var launchLimit = 0
    private var inFlight = 0
    private(set) var openCount = 0
    /// Sockets not yet closed (pending, open or closing).
    private(set) var liveCount = 0
    private var flushList: [BenchClient] = []
    private var lastExpiryScan: UInt64 = 0

    init(count: Int, settings: Settings, tokenFor: @escaping (Int) -> String) throws(BenchFailure) {
        self.settings = settings
        self.tokenFor = tokenFor
        clients = (0..<count).map { BenchClient(index: $0) }
        epoll = try BenchEpoll()
    }

    deinit {
        for client in clients where client.fd >= 0 { close(client.fd) }
    }

    /// Connections launched or finished so far; the connect phase is over when this is `count`.
    var resolvedCount: Int { stats.opened + stats.failed }

    /// Allows connects for clients `0..<limit`, launched as concurrency slots free up.
    func connect(upTo limit: Int, now: UInt64) {
        launchLimit = min(limit, clients.count)
        launchConnects(now: now)
    }

    /// Runs the loop until `deadline` or until `body` returns false. `body` is called every
    /// pass before the writes are flushed; `tickMs` bounds how long a pass may wait.
    func run(until deadline: UInt64, tickMs: Int32 = 10, _ body: (UInt64) -> Bool) {
        while true {
            let now = BenchClock.now()
            if now >= deadline || !body(now) { break }
            flush()
            let remainingMs = Int32(min(UInt64(tickMs), (deadline - now) / 1_000_000 + 1))
            poll(timeoutMs: remainingMs)
        }
        flush()
    }

    // MARK: - Sending

    func sendText(_ client: BenchClient, _ payload: [UInt8]) {
        send(client, .text, payload)
    }

    func send(_ client: BenchClient, _ opcode: Opcode, _ payload: [UInt8]) {
        guard client.state == .open || (client.state == .closing && opcode.isControl && !client.closeSent) else { return }
        // §5.3: a fresh key for every frame.
        FrameEncoder.encodeMasked(opcode: opcode, payload: payload, maskKey: random.maskKey(), into: &client.outbox)
        markForFlush(client)
    }

    /// Starts the close handshake (§7.1.2): our Close, then wait for the server's and its FIN.
    func beginClose(_ client: BenchClient, code: UInt16, now: UInt64) {
        guard client.state == .open else {
            if client.isPending { fail(client, "closed_while_connecting") }
            return
        }
        send(client, .close, FrameEncoder.closePayload(code: code))
        client.closeSent = true
        client.state = .closing
        client.closingSince = now
        openCount -= 1
    }

    /// Sends Close 1000 on every open connection and waits (bounded) for the server to close
    /// each; returns how many were still open when the wait ended. Pending connects are dropped.
    func closeAll(timeout: UInt64) -> Int {
        shuttingDown = true
        launchLimit = nextToLaunch
        let now = BenchClock.now()
        for client in clients {
            if client.isPending { fail(client, "unfinished_at_close") } else { beginClose(client, code: CloseCode.normal, now: now) }
        }
        run(until: now + timeout) { _ in liveCount > 0 }
        var lingering = 0
        for client in clients where client.state != .closed && client.state != .idle {
            lingering += 1
            finish(client)
        }
        return lingering
    }

    // MARK: - Connecting

    private func launchConnects(now: UInt64) {
        while nextToLaunch < launchLimit, inFlight < settings.concurrency {
            let client = clients[nextToLaunch]
            nextToLaunch += 1
            launch(client, now: now)
        }
    }

    private func launch(_ client: BenchClient, now: UInt64) {
        stats.launched += 1
        inFlight += 1
        liveCount += 1
        client.launchedAt = now
        client.state = .connecting
        switch BenchConnect.start(settings.address(of: client.index), epollFD: epoll.fd, token: UInt64(client.index)) {
        case .connected(let fd):
            client.fd = fd
            sendHandshake(client)
        case .inProgress(let fd):
            client.fd = fd
        case .failed(let reason, let fd):
            client.fd = fd
            fail(client, reason)
        }
    }

    private func sendHandshake(_ client: BenchClient) {
        let key = ClientHandshake.key(random: &random)
        client.expectedAccept = ClientHandshake.expectedAccept(forKey: key)
        client.state = .handshaking
        client.outbox.append(contentsOf: ClientHandshake.request(
            path: settings.path, host: settings.hostHeader, port: settings.address(of: client.index).port,
            token: tokenFor(client.index), key: key))
        markForFlush(client)
    }

    /// Pending connects past the connect timeout and closing ones past the close timeout are
    /// given up on, so no connection can hold a phase open forever. Scanned every 100 ms.
    private func expireStale(now: UInt64) {
        guard now &- lastExpiryScan >= 100_000_000 else { return }
        lastExpiryScan = now
        for client in clients {
            switch client.state {
            case .connecting where now &- client.launchedAt > settings.connectTimeout:
                fail(client, "connect_timeout")
            case .handshaking where now &- client.launchedAt > settings.connectTimeout:
                fail(client, "handshake_timeout")
            case .closing where now &- client.closingSince > settings.closeTimeout && !shuttingDown:
                finish(client)
            default:
                break
            }
        }
    }

    // MARK: - Events

    private func poll(timeoutMs: Int32) {
        let count = epoll.wait(timeoutMs: timeoutMs)
        let now = BenchClock.now()
        if count > 0 {
            for slot in 0..<Int(count) {
                handle(clients[Int(epoll.datas[slot])], events: epoll.events[slot], now: now)
            }
        }
        expireStale(now: now)
        launchConnects(now: now)
    }

    private func handle(_ client: BenchClient, events: UInt32, now: UInt64) {
        if client.state == .connecting {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(client.fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 || events & EPOLLERR.rawValue != 0 {
                return fail(client, error == ECONNREFUSED ? "connect_refused" : "connect")
            }
            guard events & EPOLLOUT.rawValue != 0 else { return }
            sendHandshake(client)
        }
        if events & EPOLLOUT.rawValue != 0, client.hasUnsentBytes { write(client) }
        guard client.state != .closed else { return }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            read(client, events: events, now: now)
        }
    }

    private func read(_ client: BenchClient, events: UInt32, now: UInt64) {
        let hangup = events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        while client.state != .closed {
            let got = recv(client.fd, epoll.scratch.baseAddress, epoll.scratch.count, 0)
            if got == 0 { return peerClosed(client) }
            if got < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                if errno == EINTR { continue }
                return client.state == .closing ? finish(client) : fail(client, "read")
            }
            stats.bytesReceived += got
            let bytes = UnsafeRawBufferPointer(rebasing: epoll.scratch[0..<got])
            if client.state == .handshaking {
                readHandshake(client, bytes, now: now)
            } else {
                decode(client, bytes, now: now)
            }
            // A short read drained the socket; the next edge reports new data. After a hangup
            // keep reading to the EOF so the close is seen now.
            if got < epoll.scratch.count, !hangup { return }
        }
    }

    private func readHandshake(_ client: BenchClient, _ bytes: UnsafeRawBufferPointer, now: UInt64) {
        client.handshakeBytes.append(contentsOf: bytes)
        let outcome = client.handshakeBytes.withUnsafeBufferPointer {
            ClientHandshake.check($0, expectedAccept: client.expectedAccept)
        }
        switch outcome {
        case .incomplete:
            return
        case .refused(let status):
            fail(client, "handshake_http_\(status)")
        case .badAccept:
            fail(client, "handshake_bad_accept")
        case .malformed:
            fail(client, "handshake_malformed")
        case .accepted(let headLength):
            let rest = Array(client.handshakeBytes[headLength...])
            client.handshakeBytes = []
            client.state = .open
            client.openedAt = now
            inFlight -= 1
            openCount += 1
            stats.opened += 1
            stats.handshakeLatency.record(now &- client.launchedAt)
            delegate?.clientOpened(client, now: now)
            if !rest.isEmpty, client.state == .open {
                rest.withUnsafeBytes { decode(client, $0, now: now) }
            }
        }
    }

    private func decode(_ client: BenchClient, _ bytes: UnsafeRawBufferPointer, now: UInt64) {
        var offset = 0
        while offset < bytes.count, client.state == .open || client.state == .closing {
            do {
                let (consumed, event) = try client.decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                offset += consumed
                if let event { dispatch(client, event, now: now) }
            } catch {
                stats.count("protocol_\(error)")
                // §7.1.7: fail the connection; a close frame first when we still can.
                return fail(client, nil)
            }
        }
    }

    private func dispatch(_ client: BenchClient, _ event: WebSocketEvent, now: UInt64) {
        stats.framesReceived += 1
        switch event {
        case .text(let payload):
            guard client.state == .open else { return }
            payload.withUnsafeBufferPointer { delegate?.clientReceived(client, text: $0, now: now) }
        case .binary:
            stats.count("unexpected_binary")
        case .ping(let payload):
            stats.pingsAnswered += 1
            send(client, .pong, payload)
        case .pong:
            break
        case .close(let code, _):
            guard !client.closeReceived else { return }
            client.closeReceived = true
            stats.closeCodes[code.map { String($0) } ?? "none", default: 0] += 1
            if client.state == .open {
                if !shuttingDown { stats.serverClosedEarly += 1 }
                // §5.5.1: answer with a Close echoing the code, then wait for the server's FIN.
                send(client, .close, code.map { FrameEncoder.closePayload(code: $0) } ?? [])
                client.closeSent = true
                client.state = .closing
                client.closingSince = now
                openCount -= 1
            }
            delegate?.clientGotClose(client, code: code, now: now)
        }
    }

    private func peerClosed(_ client: BenchClient) {
        switch client.state {
        case .handshaking: fail(client, "handshake_eof")
        case .connecting: fail(client, "connect")
        case .open:
            stats.count("eof_without_close")
            if !shuttingDown { stats.serverClosedEarly += 1 }
            finish(client)
        default: finish(client)
        }
    }

    // MARK: - Writing

    private func markForFlush(_ client: BenchClient) {
        guard !client.queuedForFlush else { return }
        client.queuedForFlush = true
        flushList.append(client)
    }

    /// One `send` per connection per pass for everything queued in it (corking).
    func flush() {
        guard !flushList.isEmpty else { return }
        let list = flushList
        flushList.removeAll(keepingCapacity: true)
        for client in list {
            client.queuedForFlush = false
            if client.state != .closed, client.hasUnsentBytes { write(client) }
        }
    }

    private func write(_ client: BenchClient) {
        while client.hasUnsentBytes {
            let sent = client.outbox.withUnsafeBytes { raw in
                Glibc.send(client.fd, raw.baseAddress! + client.outboxSent, raw.count - client.outboxSent, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                client.outboxSent += sent
                continue
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { break }  // EPOLLOUT will call again
            return client.state == .closing ? finish(client) : fail(client, "write")
        }
        if !client.hasUnsentBytes {
            client.outbox.removeAll(keepingCapacity: client.outbox.capacity <= 64 * 1024)
            client.outboxSent = 0
        } else if client.outboxSent > 64 * 1024 {
            client.outbox.removeFirst(client.outboxSent)
            client.outboxSent = 0
        }
    }

    // MARK: - Ending

    /// A connection that went wrong: counted under `kind` (nil when already counted).
    private func fail(_ client: BenchClient, _ kind: String?) {
        if let kind { stats.count(kind) }
        finish(client)
    }

    private func finish(_ client: BenchClient) {
        guard client.state != .closed, client.state != .idle || client.fd >= 0 else { return }
        if client.isPending {
            inFlight -= 1
            stats.failed += 1
        } else if client.state == .open {
            openCount -= 1
        }
        if client.fd >= 0 {
            close(client.fd)  // also removes it from the epoll set
            client.fd = -1
        }
        client.state = .closed
        liveCount -= 1
        client.releaseBuffers()
    }
}
