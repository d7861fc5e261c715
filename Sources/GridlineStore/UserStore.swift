/// A user the server has seen (from a token's claims).
public struct UserRecord: Sendable, Equatable {
    public let id: String
    public let username: String
    public let email: String?
    public let role: String
    public let firstSeen: Int64
    public let lastSeen: Int64
}

/// The directory of users seen on connect.
public enum UserStore {
    /// Records a user's latest claims: the first call sets `first_seen`, every call
    /// refreshes the name, email, role and `last_seen`.
    public static func upsertUser(
        _ db: Database, id: String, username: String, email: String?, role: String, now: Int64
    ) throws {
        try db.run(
            """
            INSERT INTO users (id, username, email, role, first_seen, last_seen)
            VALUES (?1, ?2, ?3, ?4, ?5, ?5)
            ON CONFLICT (id) DO UPDATE SET
                username = excluded.username, email = excluded.email,
                role = excluded.role, last_seen = excluded.last_seen
            """,
            [.text(id), .text(username), .text(email), .text(role), .integer(now)])
    }

    public static func user(_ db: Database, id: String) throws -> UserRecord? {
        try db.queryFirst(
            "SELECT id, username, email, role, first_seen, last_seen FROM users WHERE id = ?",
            [.text(id)]
        ) { row in
            UserRecord(
                id: row.string(0), username: row.string(1), email: row.optionalString(2),
                role: row.string(3), firstSeen: row.int64(4), lastSeen: row.int64(5))
        }
    }
}
