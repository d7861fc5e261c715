/// The statements that persist applied cells and their history rows, prepared once per
/// connection and bound parameter by parameter: one edit under 1,000 range formulas writes
/// 1,001 cell rows and 1,001 history rows (SPEC §14), so per-row overhead is what counts.
///
/// The multi-row statements say `OR IGNORE` and count the rows they changed instead of letting
/// a constraint abort them: a statement that writes many rows and may abort gets a statement
/// journal, a copy of every page it touches kept until the transaction ends (without it, the
/// 100,000-cell chain edit's transaction went from 420–590 ms to 190–330 ms). A shortfall in
/// the count throws, and the caller's savepoint rolls the whole write back, as an abort would.
final class CellWriteStatements: StatementSet {
    /// Rows per multi-row statement; a remainder goes in halving blocks (32, 16, … 1).
    static let blockRows = 64

    private unowned let database: Database
    /// A written cell: it may not exist yet.
    private let upsertCell: Statement
    /// A recalculated dependent whose row was missing after all.
    private let insertAbsentCell: Statement
    /// Recalculated dependents, by row count (64, 32, … 1): their rows exist (each formula was
    /// read from its row or written in an earlier transaction), and their formula text is unchanged.
    private var blockUpdates: [Int: Statement] = [:]
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
                INSERT INTO cells (id, cell_id, value, formula, version, updated_by, updated_at, error)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                ON CONFLICT (id) DO UPDATE SET
                    value = excluded.value, formula = excluded.formula, version = excluded.version,
                    updated_by = excluded.updated_by, updated_at = excluded.updated_at, error = excluded.error
                """,
            persistent: true)
        insertAbsentCell = try Statement(
            database: database,
            sql: """
                INSERT INTO cells (id, cell_id, value, formula, version, updated_by, updated_at, error)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING
                """,
            persistent: true)
    }

    /// Inserts or replaces each written cell's row; `ids[i]` is `cells[i]`'s row id (`CellKey`).
    func upsert(_ cells: [AppliedCell], ids: [Int64]) throws {
        try insert(cells, ids: ids, indices: cells.indices, with: upsertCell)
    }

    /// Returns the rows inserted or updated.
    @discardableResult
    private func insert(_ cells: [AppliedCell], ids: [Int64], indices: some Sequence<Int>,
                        with statement: Statement) throws -> Int {
        precondition(ids.count == cells.count, "one row id per cell")
        var changed = 0
        for index in indices {
            let cell = cells[index]
            try statement.bind(ids[index], at: 1)
            try statement.bind(cell.cellId, at: 2)
            try statement.bind(cell.valueJSON, at: 3)
            try statement.bind(cell.formula, at: 4)
            try statement.bind(cell.version, at: 5)
            try statement.bind(cell.updatedBy, at: 6)
            try statement.bind(cell.updatedAt, at: 7)
            try statement.bind(cell.error, at: 8)
            changed += try statement.execute()
        }
        return changed
    }

    /// Updates each recalculated dependent's value, error, version and author in place, up to
    /// 64 rows per statement (`UPDATE … FROM (VALUES …)`, a rowid seek a row); a row that is
    /// missing after all is inserted whole. `ids[i]` is `cells[i]`'s row id.
    func update(_ cells: [AppliedCell], ids: [Int64]) throws {
        precondition(ids.count == cells.count, "one row id per cell")
        var updated = 0
        var missing: [Int] = []
        try forEachBlock(cells.count) { rows in
            let statement = try blockUpdate(rows: rows.count)
            arena.removeAll()
            for cell in cells[rows] {
                arena.append(cell.valueJSON)
                arena.append(cell.error)
                arena.append(cell.updatedBy)
            }
            let changed = try arena.withBinder(statement, from: 1) { row in
                for index in rows {
                    try row.integer(ids[index])
                    try row.text()  // value
                    try row.text()  // error
                    try row.integer(cells[index].version)
                    try row.text()  // updated_by
                    try row.integer(cells[index].updatedAt)
                }
                return try statement.execute()
            }
            updated += changed
            if changed != rows.count { missing.append(contentsOf: rows) }
        }
        // Of a block short of rows, only the absent ones: the others were just updated.
        let inserted = try insert(cells, ids: ids, indices: missing, with: insertAbsentCell)
        guard updated + inserted == cells.count else {
            throw StoreError.invalid("\(cells.count - updated - inserted) recalculated cells neither updated nor inserted")
        }
    }

    private static let updateParametersPerRow: Int32 = 6

    /// `UPDATE cells … FROM (VALUES (…), (…))` for `rows` rows of six parameters: id, value,
    /// error, version, author, time.
    private func blockUpdate(rows: Int) throws(SQLiteError) -> Statement {
        if let statement = blockUpdates[rows] { return statement }
        var sql = """
            UPDATE OR IGNORE cells SET value = v.column2, error = v.column3, version = v.column4, updated_by = v.column5,
                updated_at = v.column6
            FROM (VALUES
            """
        sql += Self.valueRows(rows, perRow: Self.updateParametersPerRow, from: 1)
        sql += ") AS v WHERE cells.id = v.column1"
        let statement = try Statement(database: database, sql: sql, persistent: true)
        blockUpdates[rows] = statement
        return statement
    }

    /// Calls `body` with the index ranges of blocks of `blockRows` rows out of `count`, the
    /// remainder in halving blocks (32, 16, … 1), so a handful of prepared statements covers
    /// every count.
    private func forEachBlock(_ count: Int, _ body: (Range<Int>) throws -> Void) throws {
        var start = 0
        var block = Self.blockRows
        while start < count {
            while block > count - start { block /= 2 }
            try body(start..<(start + block))
            start += block
        }
    }

    /// One history row per cell (id `sheetBase` + its seq), `username` beside each cell's
    /// author and time.
    func insertHistory(_ cells: [AppliedCell], sheetBase: Int64, username: String) throws {
        try forEachBlock(cells.count) { indices in
            let rows = cells[indices]
            let statement = try historyInsert(rows: rows.count)
            try statement.bind(username, at: 1)
            arena.removeAll()
            for cell in rows {
                arena.append(cell.cellId)
                arena.append(cell.valueJSON)
                arena.append(cell.formula)
                arena.append(cell.updatedBy)
                arena.append(cell.error)
            }
            let inserted = try arena.withBinder(statement, from: 2) { row in
                for cell in rows {
                    try row.integer(sheetBase + cell.seq)
                    try row.text()  // cell_id
                    try row.text()  // value
                    try row.text()  // formula
                    try row.integer(cell.version)
                    try row.text()  // user_id
                    try row.integer(cell.updatedAt)
                    try row.text()  // error
                }
                return try statement.execute()
            }
            guard inserted == rows.count else {
                throw StoreError.duplicate("history row among the \(rows.count) from seq \(rows.first!.seq)")
            }
        }
    }

    private static let historyParametersPerRow: Int32 = 8

    /// ` (?a, ?b, …), (…)` for `rows` rows of `perRow` parameters numbered on from `first`,
    /// each row led by `lead` (a parameter the rows share).
    private static func valueRows(_ rows: Int, perRow: Int32, from first: Int32, lead: String = "") -> String {
        var sql = ""
        var parameter = first
        for row in 0..<rows {
            sql += row == 0 ? " (" : ", ("
            sql += lead + (parameter..<parameter + perRow).map { "?\($0)" }.joined(separator: ", ")
            sql += ")"
            parameter += perRow
        }
        return sql
    }

    /// `INSERT … VALUES (…), (…)` for `rows` rows: ?1 the username shared, then eight parameters
    /// per row.
    private func historyInsert(rows: Int) throws(SQLiteError) -> Statement {
        if let statement = historyInserts[rows] { return statement }
        var sql = """
            INSERT OR IGNORE INTO cell_history (username, id, cell_id, value, formula, version, user_id, applied_at, error)
            VALUES
            """
        sql += Self.valueRows(rows, perRow: Self.historyParametersPerRow, from: 2, lead: "?1, ")
        let statement = try Statement(database: database, sql: sql, persistent: true)
        historyInserts[rows] = statement
        return statement
    }
}
