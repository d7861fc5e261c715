import Foundation

/// Loads the demo data in `seed/` into a database that has no rooms yet.
public enum SeedLoader {
    /// Runs every `NNN_name.sql` file of `seedDirectory` in numeric order inside one
    /// transaction, but only when the `rooms` table is empty (checked inside that same
    /// transaction, so two processes cannot both load). Returns whether it loaded.
    /// A missing directory loads nothing.
    @discardableResult
    public static func loadIfEmpty(_ db: Database, seedDirectory: URL) throws -> Bool {
        guard FileManager.default.fileExists(atPath: seedDirectory.path) else { return false }
        let files = try Migrator(directory: seedDirectory).migrations()
        return try db.transaction(.immediate) {
            let rooms = try db.scalarInt64("SELECT count(*) FROM rooms") ?? 0
            guard rooms == 0 else { return false }
            for file in files {
                let sql: String
                do {
                    sql = try String(contentsOf: file.url, encoding: .utf8)
                } catch {
                    throw StoreError.migrationFailed(file: file.fileName, message: "\(error)")
                }
                do {
                    try db.exec(sql)
                } catch let error as SQLiteError {
                    throw StoreError.migrationFailed(file: file.fileName, message: error.message)
                }
            }
            return true
        }
    }
}
