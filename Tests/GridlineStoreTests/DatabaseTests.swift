import XCTest

@testable import GridlineStore

final class DatabaseTests: XCTestCase {
    private func makeDatabase() throws -> Database {
        let directory = try makeTemporaryDirectory(self)
        let db = try Database(path: directory.appendingPathComponent("raw.sqlite").path)
        addTeardownBlock { db.close() }
        try db.exec("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB)")
        return db
    }

    func testEveryTypeRoundTripsThroughBindAndColumnAccessors() throws {
        let db = try makeDatabase()
        let statement = try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)")
        try statement.bind(Int64.max, at: 1)
        try statement.bind(2.5, at: 2)
        try statement.bind("héllo\u{0}world", at: 3)
        try statement.bind([0, 1, 255], at: 4)
        try statement.step()
        statement.reset()
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?)", [nil, nil, "", .blob([])])

        let rows = try db.query("SELECT i, r, s, b FROM t ORDER BY rowid") { row in
            (row.optionalInt64(0), row.double(1), row.optionalString(2), row.blob(3), row.isNull(3))
        }
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].0, Int64.max)
        XCTAssertEqual(rows[0].1, 2.5)
        XCTAssertEqual(rows[0].2, "héllo\u{0}world")
        XCTAssertEqual(rows[0].3, [0, 1, 255])
        XCTAssertNil(rows[1].0)
        XCTAssertEqual(rows[1].2, "", "an empty string must not become NULL")
        XCTAssertEqual(rows[1].3, [])
        XCTAssertFalse(rows[1].4, "an empty blob must not become NULL")
    }

    func testStatementsAreCachedBySQLTextAndBindingsDoNotLeak() throws {
        let db = try makeDatabase()
        let first = try db.prepare("SELECT ?")
        let second = try db.prepare("SELECT ?")
        XCTAssertTrue(first === second)
        XCTAssertEqual(try db.scalarInt64("SELECT ?", [7]), 7)
        XCTAssertNil(try db.scalarInt64("SELECT ?"), "the previous binding must have been cleared")
    }

    func testReentrantUseOfTheSameSQLGetsItsOwnStatement() throws {
        let db = try makeDatabase()
        try db.run("INSERT INTO t (i) VALUES (1), (2)")
        let sql = "SELECT i FROM t ORDER BY i"
        let pairs = try db.query(sql) { outer in
            (outer.int64(0), try db.query(sql) { $0.int64(0) })
        }
        XCTAssertEqual(pairs.map(\.0), [1, 2])
        XCTAssertEqual(pairs.map(\.1), [[1, 2], [1, 2]])
    }

    func testErrorsCarrySQLitesCodeAndMessage() throws {
        let db = try makeDatabase()
        XCTAssertThrowsError(try db.run("INSERT INTO missing VALUES (1)")) { error in
            let sqlite = error as? SQLiteError
            XCTAssertEqual(sqlite?.primaryCode, 1)
            XCTAssertTrue(sqlite?.message.contains("no such table: missing") ?? false, "\(error)")
        }
        try db.exec("CREATE TABLE u (id TEXT PRIMARY KEY)")
        try db.run("INSERT INTO u VALUES ('a')")
        XCTAssertThrowsError(try db.run("INSERT INTO u VALUES ('a')")) { error in
            XCTAssertEqual((error as? SQLiteError)?.isUniquenessViolation, true, "\(error)")
        }
    }

    func testTransactionCommitsOnReturnAndRollsBackOnThrow() throws {
        let db = try makeDatabase()
        try db.transaction { try db.run("INSERT INTO t (i) VALUES (1)") }
        XCTAssertThrowsError(
            try db.transaction {
                try db.run("INSERT INTO t (i) VALUES (2)")
                throw StoreError.invalid("stop")
            })
        XCTAssertFalse(db.isInTransaction)
        XCTAssertEqual(try db.query("SELECT i FROM t") { $0.int64(0) }, [1])
    }

    func testNestedSavepointThatThrowsUndoesOnlyItsOwnChanges() throws {
        let db = try makeDatabase()
        try db.transaction {
            try db.run("INSERT INTO t (i) VALUES (1)")
            _ = try? db.savepoint {
                try db.run("INSERT INTO t (i) VALUES (2)")
                try db.savepoint { try db.run("INSERT INTO t (i) VALUES (3)") }
                throw StoreError.invalid("undo 2 and 3")
            }
            try db.savepoint { try db.run("INSERT INTO t (i) VALUES (4)") }
        }
        XCTAssertEqual(try db.query("SELECT i FROM t ORDER BY i") { $0.int64(0) }, [1, 4])
    }

    func testChangesCountsRowsOfTheLastStatement() throws {
        let db = try makeDatabase()
        try db.run("INSERT INTO t (i) VALUES (1), (2), (3)")
        XCTAssertEqual(try db.run("UPDATE t SET r = 1 WHERE i >= ?", [2]), 2)
    }

    func testReadOnlyConnectionRefusesWritesAndBusyTimeoutIsAccepted() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory.appendingPathComponent("ro.sqlite").path
        let writer = try Store.openConnection(path: path, readOnly: false)
        try writer.exec("CREATE TABLE t (i INTEGER)")
        let reader = try Store.openConnection(path: path, readOnly: true)
        try reader.setBusyTimeout(milliseconds: 10)
        XCTAssertThrowsError(try reader.run("INSERT INTO t VALUES (1)")) { error in
            XCTAssertEqual((error as? SQLiteError)?.primaryCode, 8, "SQLITE_READONLY expected: \(error)")
        }
        XCTAssertEqual(try writer.queryFirst("PRAGMA journal_mode") { $0.string(0) }, "wal")
        XCTAssertEqual(try writer.scalarInt64("PRAGMA synchronous"), 2, "FULL")
        XCTAssertEqual(try writer.scalarInt64("PRAGMA foreign_keys"), 1)
        reader.close()
        writer.close()
    }
}
