import GridlineJSON

/// Where a user's cursor is, as the last `cursor_move` said.
public struct CursorPosition: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var cell: String?
    public var sheetID: String?

    public init(x: Double, y: Double, cell: String?, sheetID: String?) {
        self.x = x
        self.y = y
        self.cell = cell
        self.sheetID = sheetID
    }

    public var json: JSONValue {
        ["x": .number(x), "y": .number(y), "cell": JSONValue(cell), "sheet_id": JSONValue(sheetID)]
    }
}

/// One user in one room (SPEC §4): one presence however many tabs the user has open.
public struct Presence: Sendable, Equatable {
    public let userID: String
    public var username: String
    public var email: String?
    public let room: String
    public var status: String
    public var cursor: CursorPosition?
    /// Unix milliseconds of the user's last activity in the room.
    public var lastSeen: Int64

    public init(user: User, room: String, status: String, now: Int64) {
        self.userID = user.id
        self.username = user.username
        self.email = user.email
        self.room = room
        self.status = status
        self.lastSeen = now
    }

    public func json(formatTime: (Int64) -> String) -> JSONValue {
        [
            "user_id": .string(userID), "username": .string(username), "email": JSONValue(email),
            "room": .string(room), "status": .string(status), "cursor": cursor?.json ?? .null,
            "last_seen": .string(formatTime(lastSeen)),
        ]
    }
}

/// The statuses a user may set with `status_update`.
public enum PresenceStatus {
    public static let all: Set<String> = ["online", "away", "busy"]
}
