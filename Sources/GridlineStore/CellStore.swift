/// Cells: compare-and-set updates, batches, and the sheet's seq counter.
///
/// Every applied write bumps the cell's version by one, takes the sheet's next seq and
/// appends a history row, all inside a savepoint: within the writer's group transaction
/// that makes each call atomic on its own, and a throw leaves nothing behind.
public enum CellStore {
    /// Applies `write` if its expected version matches (0 for a never-written cell), or
    /// always when it has none, then recomputes the formulas that depend on it (SPEC §14).
    /// Throws `.sheetNotFound`, or `.invalid` for a formula that does not parse.
    public static func applyCellUpdate(
        _ db: Database, sheetId: String, write: CellWrite, userId: String, username: String, now: Int64,
        formulas: FormulaWorkbook
    ) throws -> CellUpdateOutcome {
        try db.savepoint {
            let seq = try sheetSeq(db, sheetId)
            let current = try cell(db, sheetId: sheetId, cellId: write.cellId)
            if let expected = write.expectedVersion, expected != current.version {
                return .conflict(current: current)
            }
            let result = try applyWrites(
                db, sheetId: sheetId, writes: [write], currentVersions: [current.version], seq: seq, userId: userId,
                username: username, now: now, formulas: formulas)
            return .applied(result.applied[0], recalculated: result.recalculated)
        }
    }

    /// Applies every write or none, then recomputes once for the whole batch. All conflicts
    /// are reported together. The same cell twice in one batch is refused as `.invalid`: its
    /// second expected version could only ever match the first write's result, which the
    /// client cannot know yet. An empty batch applies nothing and takes no seq.
    public static func applyCellBatch(
        _ db: Database, sheetId: String, writes: [CellWrite], userId: String, username: String, now: Int64,
        formulas: FormulaWorkbook
    ) throws -> BatchOutcome {
        var seen = Set<String>()
        for write in writes where !seen.insert(write.cellId).inserted {
            throw StoreError.invalid("cell \(write.cellId) appears twice in one batch")
        }
        return try db.savepoint {
            let seq = try sheetSeq(db, sheetId)
            var versions: [Int64] = []
            versions.reserveCapacity(writes.count)
            var conflicts: [CellConflict] = []
            for write in writes {
                let current = try cell(db, sheetId: sheetId, cellId: write.cellId)
                if let expected = write.expectedVersion, expected != current.version {
                    conflicts.append(CellConflict(cellId: write.cellId, current: current))
                }
                versions.append(current.version)
            }
            guard conflicts.isEmpty else { return .conflicts(conflicts) }
            guard !writes.isEmpty else { return .applied([], recalculated: []) }
            let result = try applyWrites(
                db, sheetId: sheetId, writes: writes, currentVersions: versions, seq: seq, userId: userId,
                username: username, now: now, formulas: formulas)
            return .applied(result.applied, recalculated: result.recalculated)
        }
    }

    /// The stored cell, or the unwritten version-0 cell.
    public static func cell(_ db: Database, sheetId: String, cellId: String) throws -> CellRecord {
        try db.queryFirst(
            "SELECT value, formula, version, updated_by, updated_at, error FROM cells WHERE sheet_id = ? AND cell_id = ?",
            [.text(sheetId), .text(cellId)]
        ) { row in
            CellRecord(
                cellId: cellId, valueJSON: row.string(0), formula: row.optionalString(1), version: row.int64(2),
                updatedBy: row.optionalString(3), updatedAt: row.int64(4), error: row.optionalString(5))
        } ?? .unwritten(cellId)
    }

    static func sheetSeq(_ db: Database, _ sheetId: String) throws -> Int64 {
        guard let seq = try db.scalarInt64("SELECT seq FROM sheets WHERE id = ?", [.text(sheetId)]) else {
            throw StoreError.sheetNotFound(sheetId)
        }
        return seq
    }
}
