/// A room and (when listed) its sheets.
public struct RoomRecord: Sendable, Equatable {
    public let id: String
    public let name: String
    public let createdAt: Int64
    public let sheets: [SheetRecord]
}

/// A sheet's row: `seq` is its update counter (the seq of its latest applied update).
public struct SheetRecord: Sendable, Equatable {
    public let id: String
    public let roomId: String
    public let name: String
    public let seq: Int64
    public let createdAt: Int64
}

/// Rooms and sheets.
public enum RoomStore {
    /// Creates an empty room; `.duplicate` when the id is taken.
    @discardableResult
    public static func createRoom(_ db: Database, id: String, name: String, now: Int64) throws -> RoomRecord {
        try insertUnique("room \(id)") {
            try db.run(
                "INSERT INTO rooms (id, name, created_at) VALUES (?, ?, ?)",
                [.text(id), .text(name), .integer(now)])
        }
        return RoomRecord(id: id, name: name, createdAt: now, sheets: [])
    }

    /// The room with its sheets, or nil.
    public static func room(_ db: Database, id: String) throws -> RoomRecord? {
        try db.savepoint {
            let room = try db.queryFirst(
                "SELECT id, name, created_at FROM rooms WHERE id = ?", [.text(id)]
            ) { row in (row.string(0), row.string(1), row.int64(2)) }
            guard let room else { return nil }
            let sheets = try listSheets(db, roomId: id)
            return RoomRecord(id: room.0, name: room.1, createdAt: room.2, sheets: sheets)
        }
    }

    /// Every room with its sheets, oldest first.
    public static func listRooms(_ db: Database) throws -> [RoomRecord] {
        try db.savepoint {
            let sheets = try db.query(
                "SELECT id, room_id, name, seq, created_at FROM sheets ORDER BY created_at, id",
                row: { sheetRecord($0) })
            let byRoom = Dictionary(grouping: sheets, by: \.roomId)
            return try db.query("SELECT id, name, created_at FROM rooms ORDER BY created_at, id") { row in
                let id = row.string(0)
                return RoomRecord(id: id, name: row.string(1), createdAt: row.int64(2), sheets: byRoom[id] ?? [])
            }
        }
    }

    /// Deletes the room with its sheets, cells and history (ON DELETE CASCADE; the
    /// connection must have foreign keys on). Returns whether it existed.
    @discardableResult
    public static func deleteRoom(_ db: Database, id: String) throws -> Bool {
        try db.run("DELETE FROM rooms WHERE id = ?", [.text(id)]) > 0
    }

    /// Creates a sheet at seq 0 in an existing room.
    @discardableResult
    public static func createSheet(
        _ db: Database, id: String, roomId: String, name: String, now: Int64
    ) throws -> SheetRecord {
        try db.savepoint {
            guard try db.scalarInt64("SELECT 1 FROM rooms WHERE id = ?", [.text(roomId)]) != nil else {
                throw StoreError.roomNotFound(roomId)
            }
            try insertUnique("sheet \(id)") {
                try db.run(
                    "INSERT INTO sheets (id, room_id, name, seq, created_at) VALUES (?, ?, ?, 0, ?)",
                    [.text(id), .text(roomId), .text(name), .integer(now)])
            }
            // The new rowid is the sheet's key, the top bits of its cells' ids (`CellKey`).
            guard db.lastInsertRowID <= CellKey.maxSheetKey else {
                throw StoreError.invalid("no sheet key left: the database holds sheet keys up to \(CellKey.maxSheetKey)")
            }
            return SheetRecord(id: id, roomId: roomId, name: name, seq: 0, createdAt: now)
        }
    }

    public static func sheet(_ db: Database, id: String) throws -> SheetRecord? {
        try db.queryFirst(
            "SELECT id, room_id, name, seq, created_at FROM sheets WHERE id = ?", [.text(id)],
            row: { sheetRecord($0) })
    }

    /// A room's sheets, oldest first (empty for an unknown room).
    public static func listSheets(_ db: Database, roomId: String) throws -> [SheetRecord] {
        try db.query(
            "SELECT id, room_id, name, seq, created_at FROM sheets WHERE room_id = ? ORDER BY created_at, id",
            [.text(roomId)], row: { sheetRecord($0) })
    }

    private static func sheetRecord(_ row: Statement) -> SheetRecord {
        SheetRecord(
            id: row.string(0), roomId: row.string(1), name: row.string(2), seq: row.int64(3),
            createdAt: row.int64(4))
    }
}
