/// What a user may do. Viewers read; editors write cells; admins also use the REST admin API.
public enum Role: String, Sendable, CaseIterable {
    case viewer, editor, admin

    public var canWrite: Bool { self != .viewer }
}

/// An admitted user, from the token's claims.
public struct User: Sendable, Equatable {
    public let id: String
    public let username: String
    public let email: String?
    public let role: Role
    /// The only rooms this user may join; nil means any room.
    public let rooms: Set<String>?

    public init(id: String, username: String, email: String?, role: Role, rooms: Set<String>?) {
        self.id = id
        self.username = username
        self.email = email
        self.role = role
        self.rooms = rooms
    }

    public func mayJoin(room: String) -> Bool { rooms?.contains(room) ?? true }
}
