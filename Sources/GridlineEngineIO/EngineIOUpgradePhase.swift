/// Where a polling session is in the upgrade to WebSocket (protocol README, "Upgrade"):
/// a WebSocket with the session's `sid` opens, the client sends `2probe`, the server answers
/// `3probe` and releases the parked poll with a `6` noop, and the client's `5` completes it.
public enum EngineIOUpgradePhase: Sendable, Equatable {
    /// No upgrade under way (or none possible: the session is on WebSocket).
    case none
    /// A WebSocket is open for the session; its `2probe` has not come yet.
    case awaitingProbe(since: UInt64)
    /// `3probe` was sent; waiting for the client's `5`.
    case awaitingUpgrade(since: UInt64)

    var startedAt: UInt64? {
        switch self {
        case .none: return nil
        case .awaitingProbe(let since), .awaitingUpgrade(let since): return since
        }
    }
}
