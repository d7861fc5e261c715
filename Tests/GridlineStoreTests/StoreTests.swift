import Foundation
import XCTest

@testable import GridlineStore

final class StoreTests: XCTestCase {
    private func open(_ directory: URL, seed: Bool = true) throws -> Store {
        try Store.open(
            dataDirectory: directory, migrationsDirectory: Repository.migrations,
            seedDirectory: seed ? Repository.seed : nil)
    }

    /// Runs `work` on the store's writer and waits for its result.
    private func write<R: Sendable>(_ store: Store, _ work: @escaping @Sendable (Database) throws -> R) throws -> R {
        try wait { store.writer.submit(work, completion: $0) }
    }

    /// Runs `work` on the store's reader and waits for its result.
    private func read<R: Sendable>(_ store: Store, _ work: @escaping @Sendable (Database) throws -> R) throws -> R {
        try wait { store.reader.submit(work, completion: $0) }
    }

    private func wait<R: Sendable>(_ start: (@escaping @Sendable (Result<R, Error>) -> Void) -> Void) throws -> R {
        let box = Collector<Result<R, Error>>()
        let done = DispatchSemaphore(value: 0)
        start { result in
            box.append(result)
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        return try box.values[0].get()
    }

    func testTheWALReachesTheDatabaseFileWithoutACheckpointInTheWriter() throws {
        let directory = try makeTemporaryDirectory(self)
        let store = try open(directory, seed: false)
        defer { store.shutdown() }
        XCTAssertEqual(try write(store) { db in try db.scalarInt64("PRAGMA wal_autocheckpoint") }, 0,
                       "the hook took the place of SQLite's own checkpoint in the commit")
        let file = directory.appendingPathComponent(Store.databaseFileName).path
        func fileSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
        let before = fileSize()
        // 1,200 rows of 4 KiB: past the 1,000 WAL pages that make a checkpoint due.
        try write(store) { db in
            try db.run("CREATE TABLE bulk (x TEXT)")
            for _ in 0..<1_200 { try db.run("INSERT INTO bulk VALUES (?)", [.text(String(repeating: "x", count: 4_096))]) }
        }
        let deadline = Date().addingTimeInterval(10)
        while fileSize() < before + 4_000_000, Date() < deadline { usleep(20_000) }
        XCTAssertGreaterThanOrEqual(fileSize(), before + 4_000_000, "the checkpointer copied the WAL into the file")
    }

    func testOpeningCreatesTheDirectoryMigratesAndSeedsOnlyOnce() throws {
        let directory = try makeTemporaryDirectory(self).appendingPathComponent("nested/data")
        let first = try open(directory)
        XCTAssertEqual(first.appliedMigrations, [1, 2, 3, 4, 5, 6])
        XCTAssertTrue(first.seedLoaded)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("gridline.sqlite").path))
        first.shutdown()

        let second = try open(directory)
        defer { second.shutdown() }
        XCTAssertEqual(second.appliedMigrations, [])
        XCTAssertFalse(second.seedLoaded)
        let rooms = try read(second) { db in try RoomStore.listRooms(db) }
        XCTAssertEqual(rooms.map(\.id), ["demo"])
    }

    func testTheReaderSeesWhatTheWriterCommitted() throws {
        let store = try open(try makeTemporaryDirectory(self))
        defer { store.shutdown() }
        let outcome = try write(store) { db in
            try CellStore.applyCellUpdate(
                db, sheetId: "demo-sheet", write: CellWrite(cellId: "C1", valueJSON: "\"hi\"", expectedVersion: 0),
                userId: "demo", username: "demo", now: 1, formulas: store.formulas)
        }
        guard case .applied(let cell, _) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(cell.seq, 21)
        let snapshot = try read(store) { db in try CellStore.snapshot(db, sheetId: "demo-sheet") }
        XCTAssertEqual(snapshot.seq, 21)
        XCTAssertEqual(snapshot.cells.first { $0.cellId == "C1" }?.valueJSON, "\"hi\"")
    }

    func testHealthCheckRunsARealQueryAndFailsAfterShutdown() throws {
        let store = try open(try makeTemporaryDirectory(self), seed: false)
        XCTAssertTrue(store.healthCheck(timeout: 5))
        let answered = expectation(description: "async health")
        store.healthCheck { healthy in
            XCTAssertTrue(healthy)
            answered.fulfill()
        }
        wait(for: [answered], timeout: 5)
        store.shutdown()
        XCTAssertFalse(store.healthCheck(timeout: 1))
    }

    func testOpeningEndsAIJobsLeftRunning() throws {
        let directory = try makeTemporaryDirectory(self)
        let first = try open(directory, seed: false)
        _ = try write(first) { db in
            try AIJobStore.create(db, requestId: "r", userId: "u", sheetId: nil, query: "q", tableRange: nil, now: 1)
        }
        first.shutdown()
        let second = try open(directory, seed: false)
        defer { second.shutdown() }
        XCTAssertEqual(second.interruptedJobs, 1)
        let job = try read(second) { db in try AIJobStore.get(db, userId: "u", requestId: "r") }
        XCTAssertEqual(job?.status, .error)
    }

    func testADatabaseFromANewerBinaryRefusesToOpen() throws {
        let directory = try makeTemporaryDirectory(self)
        try open(directory, seed: false).shutdown()
        let db = try Database(path: directory.appendingPathComponent(Store.databaseFileName).path)
        try db.run("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
        db.close()
        XCTAssertThrowsError(try open(directory)) { error in
            XCTAssertEqual(error as? StoreError, .databaseNewerThanBinary(databaseVersion: 999, binaryVersion: 6))
        }
    }

    func testBenchmarkReportsAPositiveRateInBothModes() throws {
        let directory = try makeTemporaryDirectory(self)
        let grouped = try StoreBenchmark.cellUpdates(
            dataDirectory: directory, updates: 300, groupCommit: true, migrationsDirectory: Repository.migrations,
            inFlight: 32)
        let single = try StoreBenchmark.cellUpdates(
            dataDirectory: directory, updates: 20, groupCommit: false, migrationsDirectory: Repository.migrations)
        XCTAssertGreaterThan(grouped, 0)
        XCTAssertGreaterThan(single, 0)
    }
}
