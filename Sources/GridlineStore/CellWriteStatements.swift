/// The statements that persist applied cells and their history rows, prepared once per
/// connection and bound parameter by parameter: one edit under 1,000 range formulas writes
/// 1,001 cell rows and 1,001 history rows (SPEC §14), so per-row overhead is what counts.
final class CellWriteStatements: StatementSet {
    /// History rows per multi-row INSERT; a remainder goes in halving blocks (32, 16, … 1).
    static let historyBlockRows = 64

    private unowned let database: Database
    /// A written cell: it may not exist yet.
    private let upsertCell: Statement
    /// A recalculated dependent: its row exists (its formula was read from it or written in an
    /// earlier transaction), and its formula text is unchanged.
    private let updateCell: Statement
    /// By row count: 64, 32, 16, 8, 4, 2, 1.
    private var historyInserts: [Int: Statement] = [:]
    /// The text of the rows being bound: SQLite reads it in place while the statement runs,
    /// and every run binds all its parameters again first.
    private var arena = TextArena()

    init(database: Database) throws(SQLiteError) {
        self.database = database
        upsertCell = try Statement(
            database: database,
            sql: """
                INSERT INTO cells (sheet_id, cell_id, value, formula, version, updated_by, updated_at, error)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                ON CONFLICT (sheet_id, cell_id) DO UPDATE SET
                    value = excluded.value, formula = excluded.formula, version = excluded.version,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at, error = excluded.error
                """,
            persistent: true)
        updateCell = try Statement(
            database: database,
            sql: """
                UPDATE cells SET value = ?1, error = ?2, version = ?3, updated_by = ?4, updated_at = ?5
                WHERE sheet_id = ?6 AND cell_id = ?7
                """,
            persistent: true)
    }

    /// Inserts or replaces each written cell's row.
    func upsert(_ cells: some Collection<AppliedCell>, sheetId: String) throws(SQLiteError) {
        guard !cells.isEmpty else { return }
        try upsertCell.bind(sheetId, at: 1)
        for cell in cells {
            try upsertCell.bind(cell.cellId, at: 2)
            try upsertCell.bind(cell.valueJSON, at: 3)
            try upsertCell.bind(cell.formula, at: 4)
            try upsertCell.bind(cell.version, at: 5)
            try upsertCell.bind(cell.updatedBy, at: 6)
            try upsertCell.bind(cell.updatedAt, at: 7)
            try upsertCell.bind(cell.error, at: 8)
            try upsertCell.execute()
        }
    }

    /// Updates each recalculated dependent's value, error, version and author in place; a
    /// row that is missing after all is inserted whole.
    func update(_ cells: some Collection<AppliedCell>, sheetId: String) throws {
        guard !cells.isEmpty else { return }
        try updateCell.bind(sheetId, at: 6)
        arena.removeAll()
        for cell in cells {
            arena.append(cell.valueJSON)
            arena.append(cell.error)
            arena.append(cell.cellId)
            arena.append(cell.updatedBy)
        }
        var missing: [AppliedCell] = []
        try arena.bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            var span = 0
            for cell in cells {
                try updateCell.bind(span: arena.spans[span], base: base, at: 1)
                try updateCell.bind(span: arena.spans[span + 1], base: base, at: 2)
                try updateCell.bind(cell.version, at: 3)
                try updateCell.bind(span: arena.spans[span + 3], base: base, at: 4)
                try updateCell.bind(cell.updatedAt, at: 5)
                try updateCell.bind(span: arena.spans[span + 2], base: base, at: 7)
                if try updateCell.execute() == 0 { missing.append(cell) }
                span += 4
            }
        }
        try upsert(missing, sheetId: sheetId)
    }

    /// One history row per cell, `username` beside each cell's author and time.
    func insertHistory(_ cells: some Collection<AppliedCell>, sheetId: String, username: String) throws {
        var rest = cells[...]
        var block = Self.historyBlockRows
        while !rest.isEmpty {
            while block > rest.count { block /= 2 }
            let statement = try historyInsert(rows: block)
            try statement.bind(sheetId, at: 1)
            try statement.bind(username, at: 2)
            let rows = rest.prefix(block)
            arena.removeAll()
            for cell in rows {
                arena.append(cell.cellId)
                arena.append(cell.valueJSON)
                arena.append(cell.formula)
                arena.append(cell.error)
                arena.append(cell.updatedBy)
            }
            try arena.bytes.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress!
                var parameter: Int32 = 3
                var span = 0
                for cell in rows {
                    try statement.bind(cell.seq, at: parameter)
                    try statement.bind(span: arena.spans[span], base: base, at: parameter + 1)
                    try statement.bind(span: arena.spans[span + 1], base: base, at: parameter + 2)
                    try statement.bind(span: arena.spans[span + 2], base: base, at: parameter + 3)
                    try statement.bind(cell.version, at: parameter + 4)
                    try statement.bind(span: arena.spans[span + 4], base: base, at: parameter + 5)
                    try statement.bind(cell.updatedAt, at: parameter + 6)
                    try statement.bind(span: arena.spans[span + 3], base: base, at: parameter + 7)
                    parameter += Self.historyParametersPerRow
                    span += 5
                }
                try statement.execute()
            }
            rest = rest.dropFirst(block)
        }
    }

    private static let historyParametersPerRow: Int32 = 8

    /// `INSERT … VALUES (…), (…)` for `rows` rows: ?1 the sheet and ?2 the username shared, then
    /// eight parameters per row.
    private func historyInsert(rows: Int) throws(SQLiteError) -> Statement {
        if let statement = historyInserts[rows] { return statement }
        var sql = """
            INSERT INTO cell_history (sheet_id, username, seq, cell_id, value, formula, version, user_id, applied_at, error)
            VALUES
            """
        var parameter = 3
        for row in 0..<rows {
            sql += row == 0 ? " " : ", "
            sql += "(?1, ?2"
            for offset in 0..<Int(Self.historyParametersPerRow) { sql += ", ?\(parameter + offset)" }
            sql += ")"
            parameter += Int(Self.historyParametersPerRow)
        }
        let statement = try Statement(database: database, sql: sql, persistent: true)
        historyInserts[rows] = statement
        return statement
    }
}
