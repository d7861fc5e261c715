import CGridlineSystem

/// A prepared statement. Owned by the `Database` that prepared it and used only on the
/// thread that owns that database; parameters are 1-based, columns 0-based (as in C).
public final class Statement {
    let handle: OpaquePointer
    private unowned let database: Database
    public let sql: String
    /// Set while a caller iterates rows, so a re-entrant use of the same SQL gets a fresh
    /// statement instead of resetting the one being read.
    var inUse = false

    init(database: Database, sql: String, persistent: Bool) throws(SQLiteError) {
        var stmt: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, flags, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw database.error(rc)
        }
        self.handle = stmt
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: Binding

    public func bind(_ value: Int64, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    public func bind(_ value: Double, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_double(handle, index, value))
    }

    public func bind(_ value: String, at index: Int32) throws(SQLiteError) {
        // Explicit byte length: SQLite then never scans for a terminator, and an empty
        // string stays '' rather than becoming NULL.
        let rc = value.withCString { p in
            sqlite3_bind_text(handle, index, p, Int32(value.utf8.count), cgl_sqlite_transient())
        }
        try check(rc)
    }

    public func bind(_ value: [UInt8], at index: Int32) throws(SQLiteError) {
        if value.isEmpty {
            // A nil base address would bind NULL; a zero-length blob is what was meant.
            try check(sqlite3_bind_zeroblob(handle, index, 0))
            return
        }
        let rc = value.withUnsafeBytes { p in
            sqlite3_bind_blob(handle, index, p.baseAddress, Int32(p.count), cgl_sqlite_transient())
        }
        try check(rc)
    }

    public func bindNull(at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_null(handle, index))
    }

    public func bind(_ value: SQLValue, at index: Int32) throws(SQLiteError) {
        switch value {
        case .integer(let v): try bind(v, at: index)
        case .real(let v): try bind(v, at: index)
        case .text(let v): try bind(v, at: index)
        case .blob(let v): try bind(v, at: index)
        case .null: try bindNull(at: index)
        }
    }

    /// Binds `values` to parameters 1…n.
    public func bind(_ values: [SQLValue]) throws(SQLiteError) {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    // MARK: Stepping

    /// Advances one row: `true` when a row is available, `false` when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(rc)
        }
    }

    /// Makes the statement ready to run again and drops its bindings, so a value bound
    /// by one caller can never leak into the next use of the cached statement.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Makes the statement ready to run again keeping its bindings: for a statement held by
    /// its user (a `StatementSet`) that binds every parameter before each run.
    public func rewind() {
        sqlite3_reset(handle)
    }

    /// Runs a statement that returns no rows, then rewinds it; returns the rows it changed.
    @discardableResult
    public func execute() throws(SQLiteError) -> Int {
        defer { sqlite3_reset(handle) }
        while try step() {}
        return Int(sqlite3_changes64(database.handle))
    }

    /// Binds `count` bytes at `bytes` as text without SQLite copying them: it reads them when
    /// the statement runs, so they must stay valid and unchanged until then, and the caller
    /// must bind the parameter again before any later run (the pointer is kept).
    func bindTextNoCopy(_ bytes: UnsafePointer<UInt8>, count: Int, at index: Int32) throws(SQLiteError) {
        let text = UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self)
        try check(sqlite3_bind_text(handle, index, text, Int32(count), nil))
    }

    /// Binds text, or NULL for nil.
    public func bind(_ value: String?, at index: Int32) throws(SQLiteError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }

    // MARK: Columns

    public var columnCount: Int32 { sqlite3_column_count(handle) }

    public func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    /// The column as text; NULL reads as "".
    public func string(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
    }

    public func optionalString(_ column: Int32) -> String? {
        isNull(column) ? nil : string(column)
    }

    public func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    public func blob(_ column: Int32) -> [UInt8] {
        guard let p = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: p, count: count))
    }

    private func check(_ rc: Int32) throws(SQLiteError) {
        if rc != SQLITE_OK { throw database.error(rc) }
    }
}
