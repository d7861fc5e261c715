import Foundation

/// Applies the numbered `NNN_name.sql` files of a directory to a database, in order,
/// each in its own transaction, recording each in `schema_migrations`.
public struct Migrator: Sendable {
    /// One migration file.
    public struct Migration: Sendable, Equatable {
        public let version: Int64
        public let name: String
        public let fileName: String
        public let url: URL
    }

    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The directory's migrations sorted by version. Files not ending in `.sql` are
    /// ignored; a `.sql` file without a numeric prefix, or two files with one number,
    /// is an error rather than a silently skipped schema change.
    public func migrations() throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var result: [Migration] = []
        for fileName in names where fileName.hasSuffix(".sql") {
            guard let migration = Self.parse(fileName: fileName, in: directory) else {
                throw StoreError.badMigrationFile(fileName)
            }
            if result.contains(where: { $0.version == migration.version }) {
                throw StoreError.badMigrationFile(fileName)
            }
            result.append(migration)
        }
        return result.sorted { $0.version < $1.version }
    }

    /// Versions recorded in `schema_migrations`, ascending.
    public func appliedVersions(_ db: Database) throws -> [Int64] {
        try createLedger(db)
        return try db.query("SELECT version FROM schema_migrations ORDER BY version") { $0.int64(0) }
    }

    /// Applies every migration not yet recorded; returns the versions it applied (empty
    /// when the database is current). Throws `.databaseNewerThanBinary` before touching
    /// anything if the database has a version beyond the newest file.
    @discardableResult
    public func migrate(_ db: Database, now: Int64 = StoreClock.nowMilliseconds()) throws -> [Int64] {
        let available = try migrations()
        let applied = Set(try appliedVersions(db))
        let newestKnown = available.last?.version ?? 0
        if let newestApplied = applied.max(), newestApplied > newestKnown {
            throw StoreError.databaseNewerThanBinary(
                databaseVersion: newestApplied, binaryVersion: newestKnown)
        }
        var done: [Int64] = []
        for migration in available where !applied.contains(migration.version) {
            try apply(migration, to: db, now: now)
            done.append(migration.version)
        }
        return done
    }

    private func apply(_ migration: Migration, to db: Database, now: Int64) throws {
        let sql: String
        do {
            sql = try String(contentsOf: migration.url, encoding: .utf8)
        } catch {
            throw StoreError.migrationFailed(file: migration.fileName, message: "\(error)")
        }
        do {
            try db.transaction(.immediate) {
                // Another process sharing the file (a cluster node, SPEC §15) may have applied
                // it since the list was read; the write lock held here makes this check final.
                if try db.scalarInt64("SELECT count(*) FROM schema_migrations WHERE version = ?",
                                      [.integer(migration.version)]) ?? 0 > 0 { return }
                try db.exec(sql)
                try db.run(
                    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                    [.integer(migration.version), .text(migration.name), .integer(now)])
            }
        } catch let error as SQLiteError {
            throw StoreError.migrationFailed(file: migration.fileName, message: error.message)
        }
    }

    private func createLedger(_ db: Database) throws {
        try db.exec("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            )
            """)
    }

    static func parse(fileName: String, in directory: URL) -> Migration? {
        let stem = fileName.dropLast(".sql".count)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
            let version = Int64(digits), version > 0, !name.isEmpty
        else { return nil }
        return Migration(
            version: version, name: String(name), fileName: fileName,
            url: directory.appendingPathComponent(fileName))
    }
}
