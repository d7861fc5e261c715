/// Failures of the store that are not SQLite's own: the domain maps them to wire codes.
public enum StoreError: Error, Equatable, Sendable {
    /// A row with this id already exists (`what` says which, e.g. "room demo").
    case duplicate(String)
    case roomNotFound(String)
    case sheetNotFound(String)
    /// The request itself is malformed (e.g. the same cell twice in one batch).
    case invalid(String)
    /// A migration failed and was rolled back; `file` is its file name.
    case migrationFailed(file: String, message: String)
    /// A file in the migrations or seed directory does not follow the naming rule.
    case badMigrationFile(String)
    /// The database was migrated by a newer binary; running would risk corrupting it.
    case databaseNewerThanBinary(databaseVersion: Int64, binaryVersion: Int64)
    /// The writer or reader was shut down before the work could run.
    case closed
    /// This node's fencing number for the shard is no longer the current one (SPEC §15): its
    /// lease lapsed and another node took the shard over. Nothing was written.
    case fenced(shard: Int, held: Int64, current: Int64)
    /// The user already has this many AI jobs running (counted in the shared database, so
    /// across every node of a cluster). Nothing was written.
    case tooManyRunningJobs(Int)
}

/// Runs an INSERT, turning a PRIMARY KEY/UNIQUE violation into `StoreError.duplicate`.
@discardableResult
func insertUnique<T>(_ what: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SQLiteError where error.isUniquenessViolation {
        throw StoreError.duplicate(what())
    }
}
