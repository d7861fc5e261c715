/// Write-message limits per user (SPEC §5): a per-minute and a per-hour window; three refusals
/// within an hour block the user for the block duration. Times are loop-clock nanoseconds.
/// Idle entries are dropped by `sweep`, so distinct users can't grow it without bound.
public struct WriteRateLimiter: Sendable {
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; `retryAfter` seconds until the window that refused it frees up.
        case refused(retryAfter: Int, window: String)
        case blocked(retryAfter: Int)
    }

    private struct Entry: Sendable {
        var minuteStart: UInt64
        var minuteCount: Int
        var hourStart: UInt64
        var hourCount: Int
        var violations: [UInt64] = []
        var blockedUntil: UInt64 = 0
        var lastSeen: UInt64
    }

    public let perMinute: Int
    public let perHour: Int
    public let blockNanoseconds: UInt64
    private var entries: [String: Entry] = [:]
    private static let minute: UInt64 = 60_000_000_000
    private static let hour: UInt64 = 3_600_000_000_000

    public init(perMinute: Int, perHour: Int, blockSeconds: Double) {
        self.perMinute = perMinute
        self.perHour = perHour
        self.blockNanoseconds = UInt64(blockSeconds * 1e9)
    }

    public var trackedUsers: Int { entries.count }

    /// Counts one write message for `user` if allowed.
    public mutating func check(user: String, now: UInt64) -> Decision {
        var entry = entries[user] ?? Entry(minuteStart: now, minuteCount: 0, hourStart: now, hourCount: 0, lastSeen: now)
        defer { entries[user] = entry }
        entry.lastSeen = now
        if entry.blockedUntil > now {
            return .blocked(retryAfter: Self.seconds(entry.blockedUntil - now))
        }
        if now - entry.minuteStart >= Self.minute {
            entry.minuteStart = now
            entry.minuteCount = 0
        }
        if now - entry.hourStart >= Self.hour {
            entry.hourStart = now
            entry.hourCount = 0
        }
        let refusal: Decision?
        if entry.minuteCount >= perMinute {
            refusal = .refused(retryAfter: Self.seconds(entry.minuteStart + Self.minute - now), window: "minute")
        } else if entry.hourCount >= perHour {
            refusal = .refused(retryAfter: Self.seconds(entry.hourStart + Self.hour - now), window: "hour")
        } else {
            refusal = nil
        }
        guard let refusal else {
            entry.minuteCount += 1
            entry.hourCount += 1
            return .allowed
        }
        entry.violations = entry.violations.filter { now - $0 < Self.hour } + [now]
        if entry.violations.count >= 3 {
            entry.blockedUntil = now + blockNanoseconds
            entry.violations = []
            return .blocked(retryAfter: Self.seconds(blockNanoseconds))
        }
        return refusal
    }

    /// Forgets users idle for an hour and not blocked.
    public mutating func sweep(now: UInt64) {
        entries = entries.filter { _, entry in now - entry.lastSeen < Self.hour || entry.blockedUntil > now }
    }

    private static func seconds(_ nanoseconds: UInt64) -> Int { Int((nanoseconds + 999_999_999) / 1_000_000_000) }
}

/// New connections per client address in fixed 10-second windows (SPEC §1 `WEBSOCKET_CONNECT_RATE`).
public struct ConnectRateLimiter: Sendable {
    private struct Window: Sendable {
        var start: UInt64
        var count: Int
    }

    public let perWindow: Int
    public static let windowNanoseconds: UInt64 = 10_000_000_000
    /// A hard bound on tracked addresses; past it, expired windows are swept at once.
    public static let maxTracked = 100_000
    private var windows: [String: Window] = [:]
    private var lastSweep: UInt64 = 0

    public init(perWindow: Int) { self.perWindow = perWindow }

    public var trackedAddresses: Int { windows.count }

    /// Counts a connection from `address`; false when it is past the limit.
    public mutating func admit(address: String, now: UInt64) -> Bool {
        // At most one forced sweep a second, so a flood of new addresses stays linear.
        if windows.count >= Self.maxTracked, now - lastSweep >= 1_000_000_000 { sweep(now: now) }
        var window = windows[address] ?? Window(start: now, count: 0)
        if now - window.start >= Self.windowNanoseconds { window = Window(start: now, count: 0) }
        window.count += 1
        if windows.count < Self.maxTracked || windows[address] != nil { windows[address] = window }
        return window.count <= perWindow
    }

    public mutating func sweep(now: UInt64) {
        lastSweep = now
        windows = windows.filter { now - $0.value.start < Self.windowNanoseconds }
    }
}
