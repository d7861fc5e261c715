/// Where an upload stands.
public enum UploadStatus: String, Sendable, CaseIterable {
    case pending, uploading, complete, failed
}

/// A stored upload record; the bytes themselves live in a file named `storedName`.
public struct UploadRecord: Sendable, Equatable {
    public let id: String
    public let userId: String
    public let filename: String
    public let mimeType: String
    public let declaredSize: Int64
    public let bytesReceived: Int64
    public let roomId: String?
    public let status: UploadStatus
    public let storedName: String?
    public let createdAt: Int64
    public let completedAt: Int64?
}

/// Upload records. Transitions only move forward: pending → uploading → complete or
/// failed; a finished upload is never changed again (the Bool results say whether a
/// call changed anything).
public enum UploadStore {
    /// Creates a pending upload; `.duplicate` when the id is taken.
    @discardableResult
    public static func create(
        _ db: Database, id: String, userId: String, filename: String, mimeType: String,
        declaredSize: Int64, roomId: String?, now: Int64
    ) throws -> UploadRecord {
        try insertUnique("upload \(id)") {
            try db.run(
                """
                INSERT INTO uploads (id, user_id, filename, mime_type, declared_size, bytes_received,
                                     room_id, status, created_at)
                VALUES (?, ?, ?, ?, ?, 0, ?, 'pending', ?)
                """,
                [
                    .text(id), .text(userId), .text(filename), .text(mimeType), .integer(declaredSize),
                    .text(roomId), .integer(now),
                ])
        }
        return UploadRecord(
            id: id, userId: userId, filename: filename, mimeType: mimeType, declaredSize: declaredSize,
            bytesReceived: 0, roomId: roomId, status: .pending, storedName: nil, createdAt: now, completedAt: nil)
    }

    /// Records how many bytes have arrived; the upload becomes `uploading`.
    @discardableResult
    public static func recordProgress(_ db: Database, id: String, bytesReceived: Int64) throws -> Bool {
        try db.run(
            """
            UPDATE uploads SET bytes_received = ?, status = 'uploading'
            WHERE id = ? AND status IN ('pending', 'uploading')
            """,
            [.integer(bytesReceived), .text(id)]) > 0
    }

    /// Marks the upload complete with the name of the file holding its bytes.
    @discardableResult
    public static func complete(
        _ db: Database, id: String, storedName: String, bytesReceived: Int64, now: Int64
    ) throws -> Bool {
        try db.run(
            """
            UPDATE uploads SET status = 'complete', stored_name = ?, bytes_received = ?, completed_at = ?
            WHERE id = ? AND status IN ('pending', 'uploading')
            """,
            [.text(storedName), .integer(bytesReceived), .integer(now), .text(id)]) > 0
    }

    @discardableResult
    public static func fail(_ db: Database, id: String, now: Int64) throws -> Bool {
        try db.run(
            """
            UPDATE uploads SET status = 'failed', completed_at = ?
            WHERE id = ? AND status IN ('pending', 'uploading')
            """,
            [.integer(now), .text(id)]) > 0
    }

    public static func get(_ db: Database, id: String) throws -> UploadRecord? {
        try db.queryFirst(
            """
            SELECT id, user_id, filename, mime_type, declared_size, bytes_received, room_id, status,
                   stored_name, created_at, completed_at
            FROM uploads WHERE id = ?
            """,
            [.text(id)]
        ) { row in
            UploadRecord(
                id: row.string(0), userId: row.string(1), filename: row.string(2), mimeType: row.string(3),
                declaredSize: row.int64(4), bytesReceived: row.int64(5), roomId: row.optionalString(6),
                status: UploadStatus(rawValue: row.string(7)) ?? .failed, storedName: row.optionalString(8),
                createdAt: row.int64(9), completedAt: row.optionalInt64(10))
        }
    }
}
