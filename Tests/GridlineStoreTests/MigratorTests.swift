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
        XCTAssertEqual(try migrator.migrate(db), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try migrator.migrate(db), [])
        XCTAssertEqual(try migrator.appliedVersions(db), [1, 2, 3, 4, 5, 6])
    }

    /// Migration 005 moves cells and history from (sheet_id, cell_id) text keys to one integer
    /// id each; a database written before it reads the same afterwards.
    func testCellKeysMigrationKeepsEveryCellAndHistoryRow() throws {
        let before = try makeMigrations(Dictionary(uniqueKeysWithValues: try Migrator(directory: Repository.migrations)
            .migrations().filter { $0.version < 5 }
            .map { ($0.fileName, try String(contentsOf: $0.url, encoding: .utf8)) }))
        let db = try makeDatabase()
        XCTAssertEqual(try Migrator(directory: before).migrate(db), [1, 2, 3, 4])
        try db.exec("""
            INSERT INTO rooms (id, name, created_at) VALUES ('r1', 'R', 1), ('r2', 'R2', 1);
            INSERT INTO sheets (id, room_id, name, seq, created_at) VALUES ('s1', 'r1', 'S', 1, 1), ('s2', 'r2', 'S2', 4, 2);
            INSERT INTO cells (sheet_id, cell_id, value, formula, version, updated_by, updated_at, error) VALUES
                ('s1', 'B2', '7', NULL, 1, 'u', 5, NULL),
                ('s2', 'A10', '1', NULL, 1, 'u', 5, NULL),
                ('s2', 'AB12', '2', '=A10+1', 1, 'u', 5, NULL),
                ('s2', 'ZZZ9999999', '"#DIV/0!"', '=1/0', 2, 'v', 6, '#DIV/0!');
            INSERT INTO cell_history (sheet_id, seq, cell_id, value, formula, version, user_id, username, applied_at, error) VALUES
                ('s1', 1, 'B2', '7', NULL, 1, 'u', 'U', 5, NULL),
                ('s2', 1, 'A10', '1', NULL, 1, 'u', 'U', 5, NULL),
                ('s2', 2, 'AB12', '2', '=A10+1', 1, 'u', 'U', 5, NULL),
                ('s2', 3, 'ZZZ9999999', '1', NULL, 1, 'u', 'U', 5, NULL),
                ('s2', 4, 'ZZZ9999999', '"#DIV/0!"', '=1/0', 2, 'v', 'V', 6, '#DIV/0!');
            """)
        XCTAssertEqual(try Migrator(directory: Repository.migrations).migrate(db), [5, 6])

        let far = try CellStore.cell(db, sheetId: "s2", cellId: "ZZZ9999999")
        XCTAssertEqual(far, CellRecord(
            cellId: "ZZZ9999999", valueJSON: "\"#DIV/0!\"", formula: "=1/0", version: 2, updatedBy: "v", updatedAt: 6,
            error: "#DIV/0!"))
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s2", cellId: "AB12").formula, "=A10+1")
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "B2").valueJSON, "7")
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "A10"), .unwritten("A10"))
        // Column by column, each top to bottom.
        XCTAssertEqual(try CellStore.snapshot(db, sheetId: "s2").cells.map(\.cellId), ["A10", "AB12", "ZZZ9999999"])
        XCTAssertEqual(try CellStore.snapshot(db, sheetId: "s2").seq, 4)
        guard case .entries(let history) = try CellStore.history(db, sheetId: "s2", sinceSeq: 1, limit: 10) else {
            return XCTFail("history of s2 truncated")
        }
        XCTAssertEqual(history.map(\.seq), [2, 3, 4])
        XCTAssertEqual(history.map(\.cellId), ["AB12", "ZZZ9999999", "ZZZ9999999"])
        XCTAssertEqual(history.last?.username, "V")
        XCTAssertEqual(history.last?.error, "#DIV/0!")

        // The next write goes on from the migrated seq and version.
        let outcome = try CellStore.applyCellUpdate(
            db, sheetId: "s2", write: CellWrite(cellId: "A10", valueJSON: "5", formula: nil, expectedVersion: 1),
            userId: "u", username: "U", now: 9, formulas: FormulaWorkbook())
        guard case .applied(let applied, let recalculated) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(applied.seq, 5)
        XCTAssertEqual(recalculated.map(\.cellId), ["AB12"])
        XCTAssertEqual(recalculated.first?.valueJSON, "6")

        // A room's cascade takes its sheets' cells and history with it, and nothing else.
        XCTAssertTrue(try RoomStore.deleteRoom(db, id: "r2"))
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM cells"), 1)
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM cell_history"), 1)
        XCTAssertEqual(try db.queryFirst("PRAGMA integrity_check") { $0.string(0) }, "ok")
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
