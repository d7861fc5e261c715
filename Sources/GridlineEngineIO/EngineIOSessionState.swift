/// The protocol state of one Engine.IO session as a value (STYLE.md, "protocol state machines as
/// values"): which transport it is on, whether a long-poll GET or a POST is in flight, where an
/// upgrade stands, and its heartbeat. The server feeds it events with the current monotonic time
/// in milliseconds and carries out the decisions it returns; it owns no bytes and no sockets.
public struct EngineIOSessionState: Sendable, Equatable {
    /// What to do with a long-poll `GET` that just arrived.
    public enum PollDecision: Sendable, Equatable {
        /// Nothing to send: park it until packets are queued (then answer and call `pollAnswered`).
        case park
        /// Answer now with the queued packets.
        case answerWithQueuedPackets
        /// Answer now with a lone `6`, so the client finishes its poll and can complete the upgrade.
        case answerWithNoop
        /// A GET was already parked: answer 400 and close the session (engine.io "overlap from
        /// client"; protocol README: "the server MUST return an HTTP 400 error status and close
        /// the session"). The parked GET should be answered with `1` if possible.
        case refuseOverlapAndClose
        /// The session is closed or no longer on polling: answer 400 `Bad request`.
        case refuse
    }

    /// What to do with a packet that arrived on the WebSocket being upgraded to.
    public enum UpgradeDecision: Sendable, Equatable {
        /// Send `3probe` on the WebSocket; when `releaseParkedPoll`, also answer the parked GET with
        /// `6` (then call `pollAnswered`).
        case answerProbe(releaseParkedPoll: Bool)
        /// The upgrade is done: the session is now on the WebSocket. Send everything still queued
        /// there; close the polling side (answer a parked GET with `6` when `releaseParkedPoll`).
        case complete(releaseParkedPoll: Bool)
        /// Anything else, or out of order: close this WebSocket; the session stays on polling.
        case abort
    }

    /// What a packet received on the session's own transport means.
    public enum PacketDecision: Sendable, Equatable {
        /// A `4` message: hand its payload to the Socket.IO layer.
        case deliver
        /// Handled here (a pong) or meaningless here (noop, upgrade, open): nothing to do.
        case ignore
        /// The session is closed with this reason; tell the upper layers.
        case close(EngineIOCloseReason)
    }

    /// What came due at a `tick`.
    public enum TimerDecision: Sendable, Equatable {
        case sendPing
        case close(EngineIOCloseReason)
        /// The upgrade took longer than `upgradeTimeout`: close the upgrading WebSocket.
        case abortUpgrade
    }

    public private(set) var transport: EngineIOTransport
    public private(set) var upgrade: EngineIOUpgradePhase = .none
    public private(set) var heartbeat: EngineIOHeartbeat
    /// A long-poll GET is parked, waiting for packets.
    public private(set) var isPollParked = false
    /// A POST body is being received.
    public private(set) var isDataRequestOpen = false
    /// Set once the session is closed; every later event is refused or ignored.
    public private(set) var closeReason: EngineIOCloseReason?
    /// Milliseconds a started upgrade may take (engine.io's `upgradeTimeout`, 10 s by default).
    public let upgradeTimeout: UInt64

    public init(transport: EngineIOTransport, pingInterval: UInt64, pingTimeout: UInt64,
                upgradeTimeout: UInt64 = 10_000, now: UInt64) {
        self.transport = transport
        self.heartbeat = EngineIOHeartbeat(pingInterval: pingInterval, pingTimeout: pingTimeout, now: now)
        self.upgradeTimeout = upgradeTimeout
    }

    public var isClosed: Bool { closeReason != nil }

    // MARK: Polling

    public mutating func pollArrived(hasQueuedPackets: Bool) -> PollDecision {
        guard !isClosed, transport == .polling else { return .refuse }
        if isPollParked {
            close(.transportError)
            return .refuseOverlapAndClose
        }
        if hasQueuedPackets { return .answerWithQueuedPackets }
        if case .awaitingUpgrade = upgrade { return .answerWithNoop }
        isPollParked = true
        return .park
    }

    /// The parked GET was answered (or its connection dropped).
    public mutating func pollAnswered() {
        isPollParked = false
    }

    /// A POST arrived; false means a second concurrent POST: answer 400, the session is closed
    /// (engine.io "data request overlap from client").
    public mutating func dataRequestArrived() -> Bool {
        guard !isClosed, transport == .polling else { return false }
        if isDataRequestOpen {
            close(.transportError)
            return false
        }
        isDataRequestOpen = true
        return true
    }

    public mutating func dataRequestFinished() {
        isDataRequestOpen = false
    }

    // MARK: Packets on the session's transport

    public mutating func packetReceived(_ type: EngineIOPacketType, now: UInt64) -> PacketDecision {
        guard !isClosed else { return .ignore }
        switch type {
        case .message: return .deliver
        case .pong:
            heartbeat.pongReceived(now: now)
            return .ignore
        case .ping:
            // v4 pings go from server to client only (engine.io "invalid heartbeat direction").
            close(.transportError)
            return .close(.transportError)
        case .close:
            close(.transportClose)
            return .close(.transportClose)
        case .open, .upgrade, .noop:
            return .ignore
        }
    }

    /// A body or frame that could not be decoded (`EngineIOError`).
    public mutating func parseFailed() -> PacketDecision {
        guard !isClosed else { return .ignore }
        close(.parseError)
        return .close(.parseError)
    }

    // MARK: Upgrade

    /// A WebSocket with this session's `sid` completed its HTTP handshake. False: refuse it (the
    /// session is not on polling, is closed, or is upgrading already: one WebSocket per session).
    public mutating func webSocketArrived(now: UInt64) -> Bool {
        guard !isClosed, transport == .polling, upgrade == .none else { return false }
        upgrade = .awaitingProbe(since: now)
        return true
    }

    /// A packet on the upgrading WebSocket (engine.io `Socket._maybeUpgrade`).
    public mutating func upgradePacketReceived(_ packet: EngineIOPacket) -> UpgradeDecision {
        guard !isClosed else { upgrade = .none; return .abort }
        switch upgrade {
        case .awaitingProbe(let since) where packet.isProbePing:
            upgrade = .awaitingUpgrade(since: since)
            return .answerProbe(releaseParkedPoll: isPollParked)
        case .awaitingUpgrade where packet.type == .upgrade && !packet.isBinary:
            upgrade = .none
            transport = .websocket
            let release = isPollParked
            isPollParked = false
            return .complete(releaseParkedPoll: release)
        default:
            upgrade = .none
            return .abort
        }
    }

    /// The upgrading WebSocket closed before the upgrade completed; the session stays on polling.
    public mutating func upgradingWebSocketClosed() {
        upgrade = .none
    }

    // MARK: Timers and closing

    /// The earliest instant something can come due, for the caller's timer.
    public var nextDeadline: UInt64? {
        guard !isClosed else { return nil }
        var deadline = heartbeat.nextDeadline
        if let started = upgrade.startedAt { deadline = min(deadline, started + upgradeTimeout) }
        return deadline
    }

    /// Everything due at `now`, in the order to carry it out.
    public mutating func tick(now: UInt64) -> [TimerDecision] {
        guard !isClosed else { return [] }
        var decisions: [TimerDecision] = []
        if let started = upgrade.startedAt, now >= started + upgradeTimeout {
            upgrade = .none
            decisions.append(.abortUpgrade)
        }
        switch heartbeat.tick(now: now) {
        case .sendPing: decisions.append(.sendPing)
        case .timedOut:
            close(.pingTimeout)
            decisions.append(.close(.pingTimeout))
        case nil: break
        }
        return decisions
    }

    /// Closes the session; the first reason sticks.
    public mutating func close(_ reason: EngineIOCloseReason) {
        guard closeReason == nil else { return }
        closeReason = reason
        upgrade = .none
    }
}
