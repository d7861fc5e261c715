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
            let sheet = try sheetRow(db, sheetId)
            let current = try cell(db, sheetKey: sheet.key, cellId: write.cellId)
            if let expected = write.expectedVersion, expected != current.version {
                return .conflict(current: current)
            }
            let result = try applyWrites(
                db, sheet: sheet, writes: [write], currentVersions: [current.version], userId: userId,
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
            let sheet = try sheetRow(db, sheetId)
            var versions: [Int64] = []
            versions.reserveCapacity(writes.count)
            var conflicts: [CellConflict] = []
            for write in writes {
                let current = try cell(db, sheetKey: sheet.key, cellId: write.cellId)
                if let expected = write.expectedVersion, expected != current.version {
                    conflicts.append(CellConflict(cellId: write.cellId, current: current))
                }
                versions.append(current.version)
            }
            guard conflicts.isEmpty else { return .conflicts(conflicts) }
            guard !writes.isEmpty else { return .applied([], recalculated: []) }
            let result = try applyWrites(
                db, sheet: sheet, writes: writes, currentVersions: versions, userId: userId,
                username: username, now: now, formulas: formulas)
            return .applied(result.applied, recalculated: result.recalculated)
        }
    }

    /// The stored cell, or the unwritten version-0 cell (also for an unknown sheet or a cell id
    /// not in A1 notation, which no write can have stored).
    public static func cell(_ db: Database, sheetId: String, cellId: String) throws -> CellRecord {
        guard let offset = CellKey.offset(cellId: cellId) else { return .unwritten(cellId) }
        return try cell(
            db, cellId: cellId,
            sql: "SELECT value, formula, version, updated_by, updated_at, error FROM cells WHERE id = ((SELECT key FROM sheets WHERE id = ?) << \(CellKey.sheetShift)) + ?",
            [.text(sheetId), .integer(offset)])
    }

    /// The stored cell of a sheet known by its key. Throws `.invalid` for a cell id not in A1
    /// notation.
    static func cell(_ db: Database, sheetKey: Int64, cellId: String) throws -> CellRecord {
        guard let offset = CellKey.offset(cellId: cellId) else {
            throw StoreError.invalid("cell id \(cellId) is not in A1 notation")
        }
        return try cell(
            db, cellId: cellId,
            sql: "SELECT value, formula, version, updated_by, updated_at, error FROM cells WHERE id = ?",
            [.integer(CellKey.base(sheetKey: sheetKey) + offset)])
    }

    private static func cell(_ db: Database, cellId: String, sql: String, _ parameters: [SQLValue]) throws -> CellRecord {
        try db.queryFirst(sql, parameters) { row in
            CellRecord(
                cellId: cellId, valueJSON: row.string(0), formula: row.optionalString(1), version: row.int64(2),
                updatedBy: row.optionalString(3), updatedAt: row.int64(4), error: row.optionalString(5))
        } ?? .unwritten(cellId)
    }

    /// A sheet's key (its cells' and history's id range) and its seq.
    struct SheetRow {
        let id: String
        let key: Int64
        let seq: Int64
    }

    /// Throws `.sheetNotFound`.
    static func sheetRow(_ db: Database, _ sheetId: String) throws -> SheetRow {
        guard let row = try findSheetRow(db, sheetId) else { throw StoreError.sheetNotFound(sheetId) }
        return row
    }

    static func findSheetRow(_ db: Database, _ sheetId: String) throws -> SheetRow? {
        try db.queryFirst("SELECT key, seq FROM sheets WHERE id = ?", [.text(sheetId)]) {
            SheetRow(id: sheetId, key: $0.int64(0), seq: $0.int64(1))
        }
    }
}
