import Foundation

/// Wall-clock and monotonic time in the units the store uses.
public enum StoreClock {
    /// Unix time in milliseconds: every timestamp column holds this.
    public static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// Monotonic nanoseconds, for latencies (never goes backwards with NTP).
    static func monotonicNanoseconds() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }
}
