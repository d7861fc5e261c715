/// What the domain keeps per connection: the rooms it joined and its signal-rate window.
/// Owned by the loop thread.
public struct ClientState: Sendable {
    public let connectionID: UInt64
    public let user: User
    public var rooms: Set<String> = []
    /// Sheets with a `sync` in flight: live updates to them are held back (the replay has them).
    public var syncingSheets: Set<String> = []
    /// Set by `subscribe_notifications`; nil until the connection subscribes.
    public var notificationFilter: NotificationFilter?
    /// Cursor/typing messages counted in the current one-second window (SPEC §5).
    public var signalWindowStart: UInt64 = 0
    public var signalCount = 0

    public init(connectionID: UInt64, user: User) {
        self.connectionID = connectionID
        self.user = user
    }

    /// Counts one cursor or typing message; false when it is past `perSecond` and must be dropped.
    public mutating func admitSignal(now: UInt64, perSecond: Int) -> Bool {
        if now &- signalWindowStart >= 1_000_000_000 {
            signalWindowStart = now
            signalCount = 0
        }
        signalCount += 1
        return signalCount <= perSecond
    }
}
