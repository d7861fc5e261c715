/// History replay, retention and snapshots.
///
/// Retention: the `Store` facade has the writer trim every sheet to its newest
/// `historyRetention` rows (default 10,000) in slices (`HistoryTrimmer`), each in a
/// transaction of its own. Clients further behind get `.truncated` and recover from a snapshot.
extension CellStore {
    /// Up to `limit` updates with seq > `sinceSeq`, ascending — or `.truncated` when the
    /// history no longer starts at `sinceSeq + 1`. Throws `.sheetNotFound`.
    public static func history(_ db: Database, sheetId: String, sinceSeq: Int64, limit: Int) throws -> HistoryResult {
        try db.savepoint {
            let sheet = try sheetRow(db, sheetId)
            let since = max(0, sinceSeq)
            if since > sheet.seq { return .truncated }
            if since == sheet.seq { return .entries([]) }
            guard let first = try firstHistorySeq(db, sheetKey: sheet.key), first <= since + 1 else { return .truncated }
            let base = CellKey.base(sheetKey: sheet.key)
            let entries = try db.query(
                """
                SELECT id, cell_id, value, formula, version, user_id, username, applied_at, error
                FROM cell_history WHERE id > ? AND id <= ? ORDER BY id LIMIT ?
                """,
                [.integer(base + since), .integer(base + sheet.seq), .int(max(0, limit))]
            ) { row in
                HistoryEntry(
                    seq: row.int64(0) - base, cellId: row.string(1), valueJSON: row.string(2),
                    formula: row.optionalString(3), version: row.int64(4), userId: row.optionalString(5),
                    username: row.optionalString(6), appliedAt: row.int64(7), error: row.optionalString(8))
            }
            return .entries(entries)
        }
    }

    /// Deletes all but the newest `keep` history rows of a sheet; returns rows deleted.
    @discardableResult
    public static func trimHistory(_ db: Database, sheetId: String, keep: Int) throws -> Int {
        guard let sheet = try findSheetRow(db, sheetId) else { return 0 }
        return try deleteHistory(db, sheetKey: sheet.key, throughSeq: sheet.seq - Int64(max(0, keep)))
    }

    /// The oldest seq a sheet still has a history row for; nil when it has none.
    static func firstHistorySeq(_ db: Database, sheetKey: Int64) throws -> Int64? {
        let base = CellKey.base(sheetKey: sheetKey)
        return try db.scalarInt64(
            "SELECT min(id) FROM cell_history WHERE id > ? AND id < ?",
            [.integer(base), .integer(CellKey.end(sheetKey: sheetKey))]
        ).map { $0 - base }
    }

    /// Deletes a sheet's history rows with seq ≤ `throughSeq`; returns how many.
    static func deleteHistory(_ db: Database, sheetKey: Int64, throughSeq: Int64) throws -> Int {
        let base = CellKey.base(sheetKey: sheetKey)
        return try db.run("DELETE FROM cell_history WHERE id > ? AND id <= ?", [.integer(base), .integer(base + throughSeq)])
    }

    /// The sheet and every written cell, read in one transaction so `seq` and the cells
    /// agree. Throws `.sheetNotFound`.
    public static func snapshot(_ db: Database, sheetId: String) throws -> SheetSnapshot {
        try db.savepoint {
            guard let sheet = try RoomStore.sheet(db, id: sheetId) else {
                throw StoreError.sheetNotFound(sheetId)
            }
            let key = try sheetRow(db, sheetId).key
            // Column by column, each top to bottom: the order of the rows' ids.
            let cells = try db.query(
                """
                SELECT cell_id, value, formula, version, updated_by, updated_at, error
                FROM cells WHERE id >= ? AND id < ? ORDER BY id
                """,
                [.integer(CellKey.base(sheetKey: key)), .integer(CellKey.end(sheetKey: key))]
            ) { row in
                CellRecord(
                    cellId: row.string(0), valueJSON: row.string(1), formula: row.optionalString(2),
                    version: row.int64(3), updatedBy: row.optionalString(4), updatedAt: row.int64(5),
                    error: row.optionalString(6))
            }
            return SheetSnapshot(sheetId: sheet.id, roomId: sheet.roomId, name: sheet.name, seq: sheet.seq, cells: cells)
        }
    }
}
