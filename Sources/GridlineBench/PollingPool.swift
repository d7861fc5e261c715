import CGridlineSystem
import Glibc

/// What a scenario hears from the polling pool. All calls come on the thread running the pool.
protocol PollingPoolDelegate: AnyObject {
    /// The Socket.IO CONNECT was answered.
    func pollingClientEstablished(_ client: PollingClient, now: UInt64)
    /// One Socket.IO event or ack packet in a poll's body (`kind`'s ranges index `body`).
    func pollingClient(_ client: PollingClient, received kind: SocketIOPacketScanner.Kind,
                       body: UnsafeBufferPointer<UInt8>, now: UInt64)
}

/// The bench's Engine.IO long-polling client: `clients` sessions on one epoll instance, each a
/// non-blocking keep-alive connection (`PollingClient`). At most `concurrency` sessions are
/// opening at once. It answers pings (`2` → POST `3`) and keeps a GET parked on every session,
/// so a session stays up as long as the server keeps it; anything else goes to the delegate.
final class PollingPool {
    struct Settings {
        var address: ServerAddress
        var hostHeader: String
        var concurrency: Int
        /// Bound on a connect and on every request but a parked GET.
        var requestTimeout: UInt64
    }

    let settings: Settings
    let clients: [PollingClient]
    /// Strong; the owner clears it when done (the same cycle rule as `ClientPool`).
    var delegate: PollingPoolDelegate?
    var stats = PoolStats()
    private(set) var establishedCount = 0
    private(set) var lostCount = 0
    private(set) var pingsAnswered = 0
    /// From the open packet, in ms; a parked GET may take this long plus the timeout.
    private(set) var pingInterval: UInt64 = 25_000
    private(set) var pingTimeout: UInt64 = 20_000

    private let tokenFor: (Int) -> String
    private let firstPackets: (Int) -> [[UInt8]]
    private let epoll: BenchEpoll
    private var nextToLaunch = 0
    private var inFlight = 0
    private var lastExpiryScan: UInt64 = 0

    static let path = "/socket.io/?EIO=4&transport=polling"

    /// `firstPackets` go in the CONNECT POST after the CONNECT itself (e.g. a `join_room`).
    init(count: Int, settings: Settings, tokenFor: @escaping (Int) -> String,
         firstPackets: @escaping (Int) -> [[UInt8]] = { _ in [] }) throws(BenchFailure) {
        self.settings = settings
        self.tokenFor = tokenFor
        self.firstPackets = firstPackets
        clients = (0..<count).map { PollingClient(index: $0) }
        epoll = try BenchEpoll()
    }

    deinit {
        for client in clients where client.fd >= 0 { close(client.fd) }
    }

    /// Sessions that have opened and been CONNECTed, or given up: the connect phase is over at `count`.
    var resolvedCount: Int { establishedCount + stats.failed }
    /// Live sessions holding a GET right now.
    var parkedCount: Int { clients.reduce(0) { $0 + ($1.phase == .polling ? 1 : 0) } }
    var liveCount: Int { clients.reduce(0) { $0 + ($1.isLive ? 1 : 0) } }

    /// Launches every session, `concurrency` at a time as earlier ones finish opening.
    func connectAll(now: UInt64) {
        launchConnects(now: now)
    }

    /// Runs the loop until `deadline` or until `body` returns false; `tickMs` bounds a pass.
    func run(until deadline: UInt64, tickMs: Int32 = 10, _ body: (UInt64) -> Bool) {
        while true {
            let now = BenchClock.now()
            if now >= deadline || !body(now) { break }
            let remainingMs = Int32(min(UInt64(tickMs), (deadline - now) / 1_000_000 + 1))
            poll(timeoutMs: remainingMs)
        }
    }

    /// Closes every socket. The server forgets the sessions once nobody polls them for
    /// pingInterval + pingTimeout (SPEC §12).
    func closeAll() {
        for client in clients where client.fd >= 0 {
            close(client.fd)
            client.fd = -1
            if client.isLive { client.phase = .closed }
        }
        delegate = nil
    }

    // MARK: - Connecting

    private func launchConnects(now: UInt64) {
        while nextToLaunch < clients.count, inFlight < settings.concurrency {
            let client = clients[nextToLaunch]
            nextToLaunch += 1
            launch(client, now: now)
        }
    }

    private func launch(_ client: PollingClient, now: UInt64) {
        stats.launched += 1
        inFlight += 1
        client.launchedAt = now
        client.phase = .connecting
        switch BenchConnect.start(settings.address, epollFD: epoll.fd, token: UInt64(client.index)) {
        case .connected(let fd):
            client.fd = fd
            handshake(client, now: now)
        case .inProgress(let fd):
            client.fd = fd
        case .failed(let reason, let fd):
            client.fd = fd
            lose(client, reason)
        }
    }

    private func handshake(_ client: PollingClient, now: UInt64) {
        client.phase = .handshake
        request(client, method: "GET", query: "", body: [], now: now)
    }

    // MARK: - Requests

    /// One request on the session's connection; the sid travels in the query (no token: the
    /// session is already the user's, and each token would cost the server a verification).
    private func request(_ client: PollingClient, method: String, query: String, body: [UInt8], now: UInt64) {
        var head = "\(method) \(Self.path)\(query) HTTP/1.1\r\nHost: \(settings.hostHeader):\(settings.address.port)\r\n"
        if method == "POST" {
            head += "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        client.outbox.append(contentsOf: head.utf8)
        client.outbox.append(contentsOf: body)
        client.requestSentAt = now
        write(client)
    }

    private func post(_ client: PollingClient, packets: [[UInt8]], phase: PollingClient.Phase, now: UInt64) {
        var body: [UInt8] = []
        for (index, packet) in packets.enumerated() {
            if index > 0 { body.append(SocketIOPacketScanner.separator) }
            body.append(contentsOf: packet)
        }
        client.phase = phase
        request(client, method: "POST", query: "&sid=\(client.sid)", body: body, now: now)
    }

    private func park(_ client: PollingClient, now: UInt64) {
        client.phase = .polling
        request(client, method: "GET", query: "&sid=\(client.sid)", body: [], now: now)
    }

    // MARK: - Responses

    private func handle(_ client: PollingClient, response: AdminHTTP.Response, now: UInt64) {
        guard response.status == 200 else { return lose(client, "http_\(response.status)") }
        switch client.phase {
        case .handshake:
            let open: String? = response.body.withUnsafeBufferPointer { body in
                guard case .open(let object) = SocketIOPacketScanner.classify(body, 0..<body.count) else { return nil }
                if let interval = JSONFieldScanner.member("pingInterval", in: body, object: object)
                    .flatMap({ JSONFieldScanner.unsignedInteger(body, $0) }) { pingInterval = interval }
                if let timeout = JSONFieldScanner.member("pingTimeout", in: body, object: object)
                    .flatMap({ JSONFieldScanner.unsignedInteger(body, $0) }) { pingTimeout = timeout }
                return JSONFieldScanner.member("sid", in: body, object: object).flatMap { JSONFieldScanner.string(body, $0) }
            }
            guard let sid = open, !sid.isEmpty else { return lose(client, "bad_open_packet") }
            client.sid = sid
            post(client, packets: [SocketIOFanoutScenario.connectPacket(token: tokenFor(client.index))]
                    + firstPackets(client.index), phase: .connectPost, now: now)
        case .connectPost, .posting:
            park(client, now: now)
        case .polling:
            response.body.withUnsafeBufferPointer { body in
                SocketIOPacketScanner.forEachPacket(in: body) { packet in
                    packetArrived(client, SocketIOPacketScanner.classify(body, packet), body: body, now: now)
                }
            }
            guard client.isLive else { return }
            if client.pendingPackets.isEmpty {
                park(client, now: now)
            } else {
                let packets = client.pendingPackets
                client.pendingPackets.removeAll()
                post(client, packets: packets, phase: .posting, now: now)
            }
        case .idle, .connecting, .lost, .closed:
            break
        }
    }

    private func packetArrived(_ client: PollingClient, _ kind: SocketIOPacketScanner.Kind,
                               body: UnsafeBufferPointer<UInt8>, now: UInt64) {
        switch kind {
        case .ping:
            pingsAnswered += 1
            client.pongsSent += 1
            client.pendingPackets.append([UInt8(ascii: "3")])
        case .connect:
            guard !client.established else { return }
            client.established = true
            establishedCount += 1
            inFlight -= 1
            stats.opened += 1
            stats.handshakeLatency.record(now &- client.launchedAt)
            delegate?.pollingClientEstablished(client, now: now)
        case .close:
            lose(client, "engineio_close")
        case .connectError:
            lose(client, "socketio_connect_error")
        case .disconnect:
            lose(client, "socketio_disconnect")
        case .event, .ack:
            stats.framesReceived += 1
            delegate?.pollingClient(client, received: kind, body: body, now: now)
        case .open, .pong, .noop, .other:
            break
        }
    }

    // MARK: - Events

    private func poll(timeoutMs: Int32) {
        let count = epoll.wait(timeoutMs: timeoutMs)
        let now = BenchClock.now()
        if count > 0 {
            for slot in 0..<Int(count) { handle(clients[Int(epoll.datas[slot])], events: epoll.events[slot], now: now) }
        }
        expireStale(now: now)
        launchConnects(now: now)
    }

    private func handle(_ client: PollingClient, events: UInt32, now: UInt64) {
        if client.phase == .connecting {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(client.fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 || events & EPOLLERR.rawValue != 0 {
                return lose(client, error == ECONNREFUSED ? "connect_refused" : "connect")
            }
            guard events & EPOLLOUT.rawValue != 0 else { return }
            handshake(client, now: now)
        }
        if events & EPOLLOUT.rawValue != 0, client.hasUnsentBytes { write(client) }
        guard client.isLive else { return }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
            read(client, now: now)
        }
    }

    private func read(_ client: PollingClient, now: UInt64) {
        while client.isLive {
            let got = recv(client.fd, epoll.scratch.baseAddress, epoll.scratch.count, 0)
            if got == 0 { return lose(client, "eof") }
            if got < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                if errno == EINTR { continue }
                return lose(client, "read")
            }
            stats.bytesReceived += got
            client.inbox.append(contentsOf: UnsafeRawBufferPointer(rebasing: epoll.scratch[0..<got]))
            // One request at a time, so a complete response is all there is.
            if let parsed = AdminHTTP.parse(client.inbox), parsed.complete {
                client.inbox.removeAll(keepingCapacity: client.inbox.capacity <= 64 * 1024)
                handle(client, response: parsed.response, now: now)
            } else if client.inbox.count > 64 * 1024 * 1024 {
                return lose(client, "response_too_large")
            }
        }
    }

    private func write(_ client: PollingClient) {
        while client.hasUnsentBytes {
            let sent = client.outbox.withUnsafeBytes { raw in
                Glibc.send(client.fd, raw.baseAddress! + client.outboxSent, raw.count - client.outboxSent, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                client.outboxSent += sent
                continue
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return }
            return lose(client, "write")
        }
        client.outbox.removeAll(keepingCapacity: true)
        client.outboxSent = 0
    }

    /// Connects and requests past the request timeout, and parked GETs past the server's
    /// ping interval + timeout (+5 s), are given up on. Scanned every 100 ms.
    private func expireStale(now: UInt64) {
        guard now &- lastExpiryScan >= 100_000_000 else { return }
        lastExpiryScan = now
        let pollLimit = (pingInterval + pingTimeout + 5_000) * 1_000_000
        for client in clients where client.isLive {
            let waited = now &- client.requestSentAt
            if client.phase == .connecting, now &- client.launchedAt > settings.requestTimeout {
                lose(client, "connect_timeout")
            } else if client.phase == .polling ? waited > pollLimit : (client.phase != .connecting && waited > settings.requestTimeout) {
                lose(client, "\(client.phase)_timeout")
            }
        }
    }

    /// A session that went wrong, counted under `kind`; it stays down.
    private func lose(_ client: PollingClient, _ kind: String) {
        guard client.isLive || client.fd >= 0 else { return }
        stats.count(kind)
        if !client.established {
            inFlight -= 1
            stats.failed += 1
        } else {
            lostCount += 1
        }
        if client.fd >= 0 {
            close(client.fd)
            client.fd = -1
        }
        client.phase = .lost
        client.inbox = []
        client.outbox = []
        client.outboxSent = 0
        client.pendingPackets = []
    }
}
