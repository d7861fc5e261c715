/// A user whose last connection in a room went away with a dead (or shut down) node: the caller
/// that received it, and only that caller, broadcasts `user_left` to the room (SPEC §15).
public struct ReapedLeave: Equatable, Sendable {
    public let room: String
    public let userID: String
    /// Users still present in the room, cluster-wide, after this leave.
    public let totalUsers: Int

    public init(room: String, userID: String, totalUsers: Int) {
        self.room = room
        self.userID = userID
        self.totalUsers = totalUsers
    }
}
