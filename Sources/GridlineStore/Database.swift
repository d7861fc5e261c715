import CGridlineSystem

/// One SQLite connection and its statement cache.
///
/// Not thread-safe by design: a `Database` belongs to exactly one thread at a time (the
/// writer's or the reader's), which is why connections are opened with
/// `SQLITE_OPEN_NOMUTEX` and why it is not `Sendable`.
public final class Database {
    /// Flags for `sqlite3_open_v2`.
    public struct OpenFlags: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let readOnly = OpenFlags(rawValue: SQLITE_OPEN_READONLY)
        public static let readWrite = OpenFlags(rawValue: SQLITE_OPEN_READWRITE)
        public static let create = OpenFlags(rawValue: SQLITE_OPEN_CREATE)
        /// One thread per connection: SQLite need not lock around each call.
        public static let noMutex = OpenFlags(rawValue: SQLITE_OPEN_NOMUTEX)

        public static let readWriteCreate: OpenFlags = [.readWrite, .create, .noMutex]
    }

    /// How `BEGIN` takes its locks.
    public enum TransactionKind: String, Sendable {
        case deferred = "BEGIN DEFERRED"
        /// Takes the write lock at once, so the transaction can never fail half-way with
        /// SQLITE_BUSY on its first write.
        case immediate = "BEGIN IMMEDIATE"
        case exclusive = "BEGIN EXCLUSIVE"
    }

    private(set) var handle: OpaquePointer?
    public let path: String
    private var cache: [String: Statement] = [:]
    /// Statement sets prepared once and held by a store component (see `statements(_:)`).
    private var statementSets: [ObjectIdentifier: AnyObject] = [:]

    public init(path: String, flags: OpenFlags = .readWriteCreate) throws(SQLiteError) {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags.rawValue, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: message)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { close() }

    /// Finalizes cached statements and closes. Safe to call twice.
    public func close() {
        cache.removeAll()
        statementSets.removeAll()
        if let handle {
            // close_v2 defers the real close until any statement still held elsewhere is
            // finalized, instead of failing with SQLITE_BUSY.
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    public var isOpen: Bool { handle != nil }

    /// Milliseconds SQLite retries a locked database before returning SQLITE_BUSY.
    public func setBusyTimeout(milliseconds: Int32) throws(SQLiteError) {
        let rc = sqlite3_busy_timeout(handle, milliseconds)
        if rc != SQLITE_OK { throw error(rc) }
    }

    /// Runs one or more SQL statements with no parameters (schema files, pragmas).
    public func exec(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text)
        }
    }

    /// A statement from the cache keyed by its SQL text, prepared on first use. Store
    /// SQL is static text, so the cache is bounded by the number of queries in the code.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        if let cached = cache[sql], !cached.inUse { return cached }
        if cache[sql] != nil {
            // The cached one is being iterated further up the stack.
            return try Statement(database: self, sql: sql, persistent: false)
        }
        let statement = try Statement(database: self, sql: sql, persistent: true)
        cache[sql] = statement
        return statement
    }

    /// The connection's `S`, prepared on first use and kept until `close()`: for hot paths
    /// that run the same statements per row, where a lookup by SQL text (hashing it) and a
    /// `[SQLValue]` per call cost more than the row itself.
    func statements<S: StatementSet>(_ type: S.Type) throws(SQLiteError) -> S {
        if let set = statementSets[ObjectIdentifier(type)] { return unsafeDowncast(set, to: S.self) }
        let set = try S(database: self)
        statementSets[ObjectIdentifier(type)] = set
        return set
    }

    /// Runs a statement that returns no rows; returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> Int {
        let statement = try prepare(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return changes
    }

    /// Runs a query and maps every row; the statement is only valid inside `row`.
    public func query<T>(
        _ sql: String, _ values: [SQLValue] = [], row: (Statement) throws -> T
    ) throws -> [T] {
        try withBoundStatement(sql, values) { statement in
            var rows: [T] = []
            while try statement.step() {
                rows.append(try row(statement))
            }
            return rows
        }
    }

    /// The first row mapped, or nil when the query returns none.
    public func queryFirst<T>(
        _ sql: String, _ values: [SQLValue] = [], row: (Statement) throws -> T
    ) throws -> T? {
        try withBoundStatement(sql, values) { statement in
            try statement.step() ? try row(statement) : nil
        }
    }

    /// A cached statement with `values` bound, marked in use while `body` steps it (so a
    /// query nested inside `row` prepares its own), reset afterwards.
    private func withBoundStatement<T>(_ sql: String, _ values: [SQLValue], _ body: (Statement) throws -> T) throws -> T {
        let statement = try prepare(sql)
        statement.inUse = true
        defer {
            statement.inUse = false
            statement.reset()
        }
        try statement.bind(values)
        return try body(statement)
    }

    /// The first column of the first row as an integer (nil for no row or NULL).
    public func scalarInt64(_ sql: String, _ values: [SQLValue] = []) throws -> Int64? {
        try queryFirst(sql, values) { $0.optionalInt64(0) } ?? nil
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// True while a transaction is open (SQLite's autocommit flag is off).
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// The writer's group transaction under way, numbered (nil between groups): what a
    /// check may remember for the rest of the group, since no other connection can commit
    /// while the group holds the write lock.
    internal(set) public var writeGroup: UInt64?

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    @discardableResult
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try run(kind.rawValue)
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            rollbackIfOpen()
            throw error
        }
    }

    /// Runs `body` in a savepoint: inside a transaction it nests (a throw undoes only
    /// `body`'s changes); outside one it acts as a deferred transaction of its own.
    @discardableResult
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        // One fixed name is enough: RELEASE and ROLLBACK TO act on the innermost
        // savepoint of that name, so nesting works, and the statements stay cached.
        try run("SAVEPOINT gridline")
        do {
            let result = try body()
            try run("RELEASE gridline")
            return result
        } catch {
            if isInTransaction {
                _ = try? run("ROLLBACK TO gridline")
                _ = try? run("RELEASE gridline")
            }
            throw error
        }
    }

    /// Rolls back the open transaction, if SQLite has not already done so itself.
    public func rollbackIfOpen() {
        if isInTransaction { _ = try? run("ROLLBACK") }
    }

    func error(_ rc: Int32) -> SQLiteError {
        guard let handle else { return SQLiteError(code: rc, message: "database is closed") }
        let code = sqlite3_extended_errcode(handle)
        return SQLiteError(code: code == SQLITE_OK ? rc : code, message: String(cString: sqlite3_errmsg(handle)))
    }
}
