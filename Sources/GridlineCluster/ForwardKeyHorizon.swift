/// How far back the owner may prune idempotency keys (SPEC §15). A key carries its write's
/// wall-clock time, so the horizon is normally the wall clock minus the keys' lifetime. After
/// the wall clock steps forward (NTP, a resumed VM), keys written just before the step would
/// look a lifetime old at once, and a retry still in flight could be applied twice: so after a
/// forward step the horizon holds still for one lifetime of monotonic time, by which every key
/// from before the step really is that old. A step back only moves the horizon back (keys are
/// kept longer). Nothing here compares one node's clock with another's.
public struct ForwardKeyHorizon: Sendable {
    public let lifetimeMilliseconds: Int64
    /// A wall clock that gains more than this on the monotonic one between two calls has stepped.
    public static let stepSlackMilliseconds: Int64 = 1_000
    private var last: (wall: Int64, monotonic: UInt64, horizon: Int64)?
    private var holdUntil: UInt64 = 0

    public init(lifetimeMilliseconds: Int64) {
        self.lifetimeMilliseconds = lifetimeMilliseconds
    }

    /// Keys written before the returned time (ms) may be pruned now.
    public mutating func advance(wallMilliseconds wall: Int64, monotonicNanoseconds monotonic: UInt64) -> Int64 {
        var horizon = wall - lifetimeMilliseconds
        if let last {
            let elapsed = Int64((monotonic &- last.monotonic) / 1_000_000)
            if wall - last.wall > elapsed + Self.stepSlackMilliseconds {
                holdUntil = monotonic &+ UInt64(lifetimeMilliseconds) * 1_000_000
            }
            if monotonic < holdUntil { horizon = min(horizon, last.horizon) }
        }
        last = (wall, monotonic, horizon)
        return horizon
    }
}
