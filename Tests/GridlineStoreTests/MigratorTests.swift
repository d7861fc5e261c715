import XCTest

@testable import GridlineStore

final class MigratorTests: XCTestCase {
    private func makeMigrations(_ files: [String: String]) throws -> URL {
        let directory = try makeTemporaryDirectory(self).appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, sql) in files {
            try sql.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    private func makeDatabase() throws -> Database {
        let directory = try makeTemporaryDirectory(self)
        let db = try Store.openConnection(path: directory.appendingPathComponent("m.sqlite").path, readOnly: false)
        addTeardownBlock { db.close() }
        return db
    }

    func testFreshDatabaseGetsEveryMigrationInNumericOrder() throws {
        let directory = try makeMigrations([
            "010_second.sql": "ALTER TABLE a ADD COLUMN y INTEGER;",
            "002_first.sql": "CREATE TABLE a (x INTEGER);",
            "README.md": "ignored",
        ])
        let db = try makeDatabase()
        XCTAssertEqual(try Migrator(directory: directory).migrate(db, now: 5), [2, 10])
        let rows = try db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version") {
            "\($0.int64(0)) \($0.string(1)) \($0.int64(2))"
        }
        XCTAssertEqual(rows, ["2 first 5", "10 second 5"])
        try db.run("INSERT INTO a (x, y) VALUES (1, 2)")
    }

    func testRunningAgainIsANoOp() throws {
        let db = try makeDatabase()
        let migrator = Migrator(directory: Repository.migrations)
        XCTAssertEqual(try migrator.migrate(db), [1, 2, 3, 4])
        XCTAssertEqual(try migrator.migrate(db), [])
        XCTAssertEqual(try migrator.appliedVersions(db), [1, 2, 3, 4])
    }

    func testTheInitialSchemaHasEveryTable() throws {
        let db = try makeDatabase()
        try Migrator(directory: Repository.migrations).migrate(db)
        let tables = Set(try db.query("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.string(0) })
        for table in ["users", "rooms", "sheets", "cells", "cell_history", "notifications", "uploads", "ai_jobs"] {
            XCTAssertTrue(tables.contains(table), table)
        }
    }

    func testADatabaseNewerThanTheBinaryIsRefused() throws {
        let db = try makeDatabase()
        let directory = try makeMigrations(["001_a.sql": "CREATE TABLE a (x);"])
        try Migrator(directory: directory).migrate(db)
        try db.run("INSERT INTO schema_migrations VALUES (7, 'from the future', 0)")
        XCTAssertThrowsError(try Migrator(directory: directory).migrate(db)) { error in
            XCTAssertEqual(error as? StoreError, .databaseNewerThanBinary(databaseVersion: 7, binaryVersion: 1))
        }
    }

    func testABrokenMigrationRollsBackAndNamesTheFile() throws {
        let directory = try makeMigrations([
            "001_good.sql": "CREATE TABLE a (x);",
            "002_broken.sql": "CREATE TABLE b (x); INSERT INTO nowhere VALUES (1);",
        ])
        let db = try makeDatabase()
        XCTAssertThrowsError(try Migrator(directory: directory).migrate(db)) { error in
            guard case .migrationFailed(let file, let message)? = error as? StoreError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(file, "002_broken.sql")
            XCTAssertTrue(message.contains("no such table: nowhere"), message)
        }
        XCTAssertEqual(try Migrator(directory: directory).appliedVersions(db), [1])
        XCTAssertNil(try db.scalarInt64("SELECT 1 FROM sqlite_master WHERE name = 'b'"), "b must be rolled back")
        XCTAssertFalse(db.isInTransaction)
    }

    func testAnUnnumberedOrDuplicateFileIsRefused() throws {
        let db = try makeDatabase()
        let unnumbered = try makeMigrations(["initial.sql": "SELECT 1;"])
        XCTAssertThrowsError(try Migrator(directory: unnumbered).migrate(db)) { error in
            XCTAssertEqual(error as? StoreError, .badMigrationFile("initial.sql"))
        }
        let duplicate = try makeMigrations(["001_a.sql": "SELECT 1;", "01_b.sql": "SELECT 1;"])
        XCTAssertThrowsError(try Migrator(directory: duplicate).migrations())
    }
}
