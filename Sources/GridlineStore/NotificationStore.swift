/// How urgent a notification is (the spec's four levels).
public enum NotificationPriority: String, Sendable, CaseIterable {
    case low, normal, high, critical
}

/// A stored notification; `readAt` nil means unread.
public struct NotificationRecord: Sendable, Equatable {
    public let id: String
    public let userId: String
    public let title: String
    public let message: String
    public let category: String
    public let priority: NotificationPriority
    public let moduleName: String?
    public let createdAt: Int64
    public let readAt: Int64?
}

/// The result of marking a notification read.
public enum MarkReadOutcome: Sendable, Equatable {
    case marked
    case alreadyRead
    /// No such notification for this user (another user's counts as not found, so ids
    /// cannot be probed).
    case notFound
}

/// Per-user notifications.
public enum NotificationStore {
    /// Stores an unread notification under a fresh "ntf_…" id and returns it.
    public static func create(
        _ db: Database, userId: String, title: String, message: String, category: String,
        priority: NotificationPriority, moduleName: String?, now: Int64
    ) throws -> NotificationRecord {
        let record = NotificationRecord(
            id: RandomID.make(prefix: "ntf_"), userId: userId, title: title, message: message,
            category: category, priority: priority, moduleName: moduleName, createdAt: now, readAt: nil)
        try insertUnique("notification \(record.id)") {
            try db.run(
                """
                INSERT INTO notifications (id, user_id, title, message, category, priority, module_name, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(record.id), .text(userId), .text(title), .text(message), .text(category),
                    .text(priority.rawValue), .text(moduleName), .integer(now),
                ])
        }
        return record
    }

    /// A user's notifications, newest first.
    public static func list(_ db: Database, userId: String, unreadOnly: Bool, limit: Int) throws -> [NotificationRecord] {
        let sql = unreadOnly
            ? """
              SELECT id, user_id, title, message, category, priority, module_name, created_at, read_at
              FROM notifications WHERE user_id = ? AND read_at IS NULL
              ORDER BY created_at DESC, rowid DESC LIMIT ?
              """
            : """
              SELECT id, user_id, title, message, category, priority, module_name, created_at, read_at
              FROM notifications WHERE user_id = ?
              ORDER BY created_at DESC, rowid DESC LIMIT ?
              """
        return try db.query(sql, [.text(userId), .int(max(0, limit))], row: record)
    }

    public static func notification(_ db: Database, id: String) throws -> NotificationRecord? {
        try db.queryFirst(
            """
            SELECT id, user_id, title, message, category, priority, module_name, created_at, read_at
            FROM notifications WHERE id = ?
            """,
            [.text(id)], row: record)
    }

    /// Marks the user's own notification read (the first read time is kept).
    public static func markRead(_ db: Database, id: String, userId: String, now: Int64) throws -> MarkReadOutcome {
        let changed = try db.run(
            "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL",
            [.integer(now), .text(id), .text(userId)])
        if changed > 0 { return .marked }
        let exists = try db.scalarInt64(
            "SELECT 1 FROM notifications WHERE id = ? AND user_id = ?", [.text(id), .text(userId)])
        return exists == nil ? .notFound : .alreadyRead
    }

    private static func record(_ row: Statement) -> NotificationRecord {
        NotificationRecord(
            id: row.string(0), userId: row.string(1), title: row.string(2), message: row.string(3),
            category: row.string(4), priority: NotificationPriority(rawValue: row.string(5)) ?? .normal,
            moduleName: row.optionalString(6), createdAt: row.int64(7), readAt: row.optionalInt64(8))
    }
}
