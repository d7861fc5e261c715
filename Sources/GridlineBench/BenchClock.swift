import Glibc

/// CLOCK_MONOTONIC in nanoseconds: the clock the `ts` stamps in cursor messages use, so a
/// receiver on the same machine can subtract them.
public enum BenchClock {
    @inline(__always)
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    public static func nanoseconds(_ seconds: Double) -> UInt64 {
        UInt64(max(0, seconds) * 1e9)
    }
}
