import GridlineEngineIO
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// One Engine.IO v4 session (SPEC §12): a `sid` whose packets travel over HTTP long-polling or
/// a WebSocket, and may move from the first to the second mid-session (`2probe`, `3probe`, `5`).
/// It runs the heartbeat and hands `message` packets to its Socket.IO connection; it knows
/// nothing of Gridline messages. Loop thread only.
final class EngineIOSession {
    let sid: String
    unowned(unsafe) let service: EngineIOService
    /// What the handshake request said: the Socket.IO CONNECT admits on it (SPEC §2).
    let origin: String?
    /// Kept only until the CONNECT is admitted.
    var handshakeToken: String?
    let peer: String
    private(set) var socket: SocketIOConnection!

    enum Carrier {
        case polling
        case websocket(WebSocketChannel)
    }
    private(set) var carrier: Carrier
    /// A WebSocket opened with this sid that has not finished the upgrade yet.
    private var probe: WebSocketChannel?
    /// The probe was answered (`3probe`): the client now waits for its GET to end before sending
    /// `5`, so every GET until the upgrade is answered at once (engine.io's fast-upgrade noop).
    private var probeAnswered = false
    private(set) var isClosed = false

    // Long-polling: packets wait here until a GET takes them.
    private var queue: [ByteChunk] = []
    private(set) var queuedBytes = 0
    private var poll: HTTPSession?
    private var flushScheduled = false
    /// When the last GET ended (or the session began): an abandoned session is closed (SPEC §12).
    private var lastPollEnded: UInt64
    private let openedAt: UInt64

    /// The server pings every interval and wants a pong within the timeout (milliseconds).
    private var heartbeat: EngineIOHeartbeat

    init(sid: String, service: EngineIOService, carrier: Carrier, origin: String?, token: String?, peer: String) {
        self.sid = sid
        self.service = service
        self.carrier = carrier
        self.origin = origin
        self.handshakeToken = token
        self.peer = peer
        lastPollEnded = service.loop.now
        openedAt = service.loop.now
        heartbeat = EngineIOHeartbeat(pingInterval: UInt64(service.settings.pingInterval * 1000),
                                      pingTimeout: UInt64(service.settings.pingTimeout * 1000),
                                      now: service.loop.now / 1_000_000)
        socket = SocketIOConnection(engine: self)
    }

    var isWebSocket: Bool {
        if case .websocket = carrier { return true }
        return false
    }

    var transportName: String { isWebSocket ? "socketio-websocket" : "socketio-polling" }

    /// Bytes queued towards the client: waiting for a poll, or in the socket's outbox.
    var pendingBytes: Int {
        switch carrier {
        case .polling: return queuedBytes + (poll?.connection.pendingOutputBytes ?? 0)
        case .websocket(let channel): return channel.pendingBytes
        }
    }

    // MARK: Sending

    /// The open packet, first thing on any new session.
    func sendOpen() {
        let open = EngineIOOpenPacket(sid: sid, upgrades: isWebSocket ? [] : [.websocket],
                                      pingInterval: Int(service.settings.pingInterval * 1000),
                                      pingTimeout: Int(service.settings.pingTimeout * 1000),
                                      maxPayload: service.settings.maxMessageBytes)
        sendPacket(open.encoded)
    }

    /// Sends one shared message in this session's current format.
    func send(_ message: OutgoingMessage) {
        switch carrier {
        case .polling: enqueue(message.encoded(.socketIOPacket))
        case .websocket(let channel): channel.write(message.encoded(.socketIOFrame))
        }
    }

    /// Sends a packet of this session's own (`2`, `40{…}`, `43…`): the text of one packet.
    func sendPacket(_ packet: [UInt8]) {
        guard !isClosed else { return }
        switch carrier {
        case .polling:
            enqueue(ByteChunk(packet))
        case .websocket(let channel):
            var frame: [UInt8] = []
            FrameEncoder.encode(opcode: .text, payload: packet, into: &frame)
            channel.write(ByteChunk(frame))
        }
    }

    private func enqueue(_ chunk: ByteChunk) {
        guard !isClosed else { return }
        if !queue.isEmpty { queuedBytes += 1 }  // the record separator
        queue.append(chunk)
        queuedBytes += chunk.count
        scheduleFlush()
    }

    /// Answers a waiting GET once per loop pass with everything queued by then.
    private func scheduleFlush() {
        guard poll != nil, !flushScheduled else { return }
        flushScheduled = true
        service.loop.schedule(after: 0) { [self] in
            flushScheduled = false
            flushPoll()
        }
    }

    private func flushPoll() {
        guard let poll, !queue.isEmpty else { return }
        self.poll = nil
        var chunks: [ByteChunk] = []
        chunks.reserveCapacity(queue.count * 2)
        for (index, chunk) in queue.enumerated() {
            if index > 0 { chunks.append(Self.separator) }
            chunks.append(chunk)
        }
        queue.removeAll(keepingCapacity: false)
        queuedBytes = 0
        lastPollEnded = service.loop.now
        poll.onClose = nil
        poll.finish(head: service.pollingHead(origin: origin, contentType: "text/plain; charset=UTF-8"), chunks: chunks,
                    keepAlive: true)
        if isClosed { finishClose() }
    }

    private static let separator = ByteChunk([EngineIOPayload.separator])

    /// Forgets queued packets that have not started going out (a slow consumer).
    func discardQueued() {
        queue.removeAll()
        queuedBytes = 0
        if case .websocket(let channel) = carrier { channel.connection.discardUnsentOutput() }
    }

    // MARK: Polling requests

    /// A long-poll GET: answered at once when packets wait, else held until some do.
    func takePoll(_ http: HTTPSession) {
        guard poll == nil else {
            // One GET at a time (engine.io's "overlap from client"): refused, and the session ends.
            service.refuse(http, .badRequest, origin: origin)
            close(reason: "overlapping polls")
            return
        }
        poll = http
        http.onClose = { [weak self, weak http] in
            guard let self, let http, self.poll === http else { return }
            self.poll = nil
            self.lastPollEnded = self.service.loop.now
        }
        if !queue.isEmpty {
            scheduleFlush()
        } else if probeAnswered {
            // This GET left the client after the probe was answered: held, it would stall the
            // upgrade (and every packet behind it) until the next ping.
            sendPacket([EngineIOPacketType.noop.wireDigit])
        }
    }

    /// A POST's packets, in order; a body that does not decode ends the session.
    func receivePost(_ body: [UInt8], http: HTTPSession) {
        let packets: [EngineIOPacket]
        do {
            packets = try EngineIOPayload.decode(body, maxPackets: EngineIOService.maxPacketsPerPost)
        } catch {
            service.refuse(http, .badRequest, origin: origin)
            close(reason: "bad payload: \(error)")
            return
        }
        for packet in packets where !isClosed { receive(packet) }
        var ok = HTTPResponse(status: 200, body: Array("ok".utf8))
        ok.headers = service.pollingHead(origin: origin, contentType: "text/html").headers
        http.finish(ok, keepAlive: true)
    }

    // MARK: Packets from the client

    func receive(_ packet: EngineIOPacket) {
        switch packet.type {
        case .message:
            socket.receive(packet)
        case .pong:
            heartbeat.pongReceived(now: service.loop.now / 1_000_000)
        case .ping:
            // v4 clients do not ping, but an answer costs nothing.
            sendPacket([EngineIOPacketType.pong.wireDigit] + packet.payload)
        case .close:
            close(reason: "client closed the transport", transportLost: true)
        case .noop:
            break
        case .open, .upgrade:
            close(reason: "unexpected \(packet.type) packet")
        }
    }

    // MARK: WebSocket

    /// A WebSocket carrying this session from its start (`transport=websocket`, no sid).
    func webSocketText(_ payload: [UInt8], on channel: WebSocketChannel) {
        if channel === probe {
            probeText(payload, on: channel)
            return
        }
        do {
            receive(try EngineIOPacket.decode(text: payload))
        } catch {
            close(reason: "bad packet: \(error)")
        }
    }

    func webSocketBinary(_ payload: [UInt8], on channel: WebSocketChannel) {
        guard channel !== probe else { return }
        receive(EngineIOPacket.decode(binaryFrame: payload[...]))
    }

    /// Starts an upgrade: the client probes the new WebSocket before moving to it.
    func beginUpgrade(_ channel: WebSocketChannel) {
        probe?.close(code: CloseCode.policyViolation, reason: "superseded probe")
        probe = channel
        probeAnswered = false
    }

    /// `2probe` → `3probe` (and a `6` to release the pending GET), then `5` moves the session.
    private func probeText(_ payload: [UInt8], on channel: WebSocketChannel) {
        guard let packet = try? EngineIOPacket.decode(text: payload) else {
            channel.close(code: CloseCode.protocolError, reason: "bad probe")
            return
        }
        if packet.isProbePing {
            var frame: [UInt8] = []
            var pong: [UInt8] = []
            EngineIOPacket.probePong.encodeForWebSocket(into: &pong)
            FrameEncoder.encode(opcode: .text, payload: pong, into: &frame)
            channel.write(ByteChunk(frame))
            // Fast upgrade: the client waits for its poll to return before sending `5`.
            probeAnswered = true
            if poll != nil, queue.isEmpty { sendPacket([EngineIOPacketType.noop.wireDigit]) }
        } else if packet.type == .upgrade {
            probe = nil
            probeAnswered = false
            completeUpgrade(to: channel)
        } else {
            channel.close(code: CloseCode.protocolError, reason: "expected the upgrade")
        }
    }

    private func completeUpgrade(to channel: WebSocketChannel) {
        let waiting = queue
        queue.removeAll()
        queuedBytes = 0
        if let poll {
            // The client stops polling once upgraded; its last GET is answered empty-handed.
            self.poll = nil
            poll.onClose = nil
            poll.finish(head: service.pollingHead(origin: origin, contentType: "text/plain; charset=UTF-8"),
                        chunks: [ByteChunk([EngineIOPacketType.noop.wireDigit])], keepAlive: true)
        }
        carrier = .websocket(channel)
        for chunk in waiting {
            var frame: [UInt8] = []
            FrameEncoder.encode(opcode: .text, payload: Array(chunk.bytes), into: &frame)
            channel.write(ByteChunk(frame))
        }
        socket.carrierChanged()
    }

    func webSocketClosed(_ channel: WebSocketChannel) {
        if channel === probe {
            probe = nil
            probeAnswered = false
            return
        }
        if case .websocket(let current) = carrier, current === channel {
            close(reason: "transport closed", transportLost: true)
        }
    }

    // MARK: Heartbeat and closing

    /// Called by the service's sweep: pings, the pong timeout, and abandoned polling sessions.
    func heartbeat(now: UInt64) {
        guard !isClosed else { return }
        if !socket.isConnected, now - openedAt >= UInt64(EngineIOService.connectTimeoutSeconds * 1e9) {
            close(reason: "no Socket.IO CONNECT in time")
            return
        }
        if case .polling = carrier, poll == nil,
           now - lastPollEnded >= UInt64((service.settings.pingInterval + service.settings.pingTimeout) * 1e9) {
            close(reason: "polling abandoned", transportLost: true)
            return
        }
        switch heartbeat.tick(now: now / 1_000_000) {
        case .sendPing: sendPacket([EngineIOPacketType.ping.wireDigit])
        case .timedOut: close(reason: "ping timeout", transportLost: true)
        case nil: break
        }
    }

    /// Ends the session with the close packet. `transportLost` says nobody decided this, so the
    /// Socket.IO session may be recovered later (SPEC §12). A polling client gets the close with
    /// its next GET, if one comes within `grace` seconds.
    func close(reason: String, transportLost: Bool = false, grace: Double = 2) {
        guard !isClosed else { return }
        isClosed = true
        socket.engineClosed(reason: reason, transportLost: transportLost)
        probe?.close(code: CloseCode.goingAway, reason: "session closed")
        probe = nil
        let closePacket = [EngineIOPacketType.close.wireDigit]
        switch carrier {
        case .polling:
            if !queue.isEmpty { queuedBytes += 1 }
            queue.append(ByteChunk(closePacket))
            queuedBytes += 1
            if poll != nil {
                flushPoll()
            } else {
                service.loop.schedule(after: grace) { [self] in finishClose() }
            }
        case .websocket(let channel):
            if !transportLost {
                var frame: [UInt8] = []
                FrameEncoder.encode(opcode: .text, payload: closePacket, into: &frame)
                channel.write(ByteChunk(frame))
            }
            channel.close(code: CloseCode.normal, reason: "", grace: grace)
            finishClose()
        }
    }

    /// Forgets the session: its sid is unknown from now on.
    private func finishClose() {
        queue.removeAll()
        queuedBytes = 0
        service.remove(self)
    }

    /// A closed polling session still hands its close packet to one more GET.
    var acceptsPolls: Bool { !isClosed || !queue.isEmpty }
}
