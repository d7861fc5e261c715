/// The server-driven heartbeat of Engine.IO v4 (protocol README, "Heartbeat"), as a value: the
/// server pings every `pingInterval` ms after the last pong and closes the session when no pong
/// comes within `pingTimeout` ms of a ping (engine.io `Socket.schedulePing` / `resetPingTimeout`).
/// Time is whatever monotonic milliseconds the caller passes in, so tests drive it by hand.
public struct EngineIOHeartbeat: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Send a `2` on the session's transport (queue it for the next poll on polling).
        case sendPing
        /// No pong in time: close the session with reason `ping timeout`.
        case timedOut
    }

    public let pingInterval: UInt64
    public let pingTimeout: UInt64
    /// When the next ping is due, while none is outstanding.
    public private(set) var nextPingAt: UInt64
    /// When the outstanding ping was sent, if one is.
    public private(set) var pingSentAt: UInt64?

    public init(pingInterval: UInt64, pingTimeout: UInt64, now: UInt64) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.nextPingAt = now + pingInterval
    }

    /// The instant `tick` next has something to do: for the caller's timer.
    public var nextDeadline: UInt64 {
        if let pingSentAt { return pingSentAt + pingTimeout }
        return nextPingAt
    }

    /// What is due at `now`, if anything. A ping sent here starts the timeout.
    public mutating func tick(now: UInt64) -> Action? {
        if let pingSentAt {
            return now >= pingSentAt + pingTimeout ? .timedOut : nil
        }
        guard now >= nextPingAt else { return nil }
        pingSentAt = now
        return .sendPing
    }

    /// A pong clears the outstanding ping and schedules the next one `pingInterval` from now. An
    /// unsolicited pong is harmless and only reschedules, as in engine.io.
    public mutating func pongReceived(now: UInt64) {
        pingSentAt = nil
        nextPingAt = now + pingInterval
    }
}
