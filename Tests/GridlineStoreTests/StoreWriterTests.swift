import Foundation
import XCTest

@testable import GridlineStore

final class StoreWriterTests: XCTestCase {
    /// A writer over a fresh database with table `t(i)`, plus the file's path.
    private func makeWriter(options: StoreWriter.Options = .init()) throws -> (StoreWriter, String) {
        let directory = try makeTemporaryDirectory(self)
        let path = directory.appendingPathComponent("w.sqlite").path
        let db = try Store.openConnection(path: path, readOnly: false)
        try db.exec("""
            CREATE TABLE t (i INTEGER);
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
            """)
        let writer = StoreWriter(database: db, options: options)
        addTeardownBlock { writer.shutdown() }
        return (writer, path)
    }

    /// Holds the writer thread inside one operation until `open()`, so everything
    /// submitted meanwhile lands in the next group.
    private func blockWriter(_ writer: StoreWriter) -> DispatchSemaphore {
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        writer.submit({ _ in
            entered.signal()
            gate.wait()
        }) { _ in }
        entered.wait()
        return gate
    }

    private func insert(_ writer: StoreWriter, _ value: Int64, done: @escaping @Sendable (Result<Void, Error>) -> Void) {
        writer.submit({ db in try db.run("INSERT INTO t (i) VALUES (?)", [.integer(value)]) }) { result in
            done(result.map { _ in () })
        }
    }

    func testResultsArriveOnlyAfterCommitAndInSubmissionOrder() throws {
        let (writer, path) = try makeWriter()
        let observer = ThreadBoundDatabase(try Store.openConnection(path: path, readOnly: true))
        defer { observer.db.close() }
        let seen = Collector<(Int64, Int64?)>()
        let finished = expectation(description: "all delivered")
        finished.expectedFulfillmentCount = 100
        let gate = blockWriter(writer)
        for value in Int64(1)...100 {
            insert(writer, value) { _ in
                // Another connection sees the row only if COMMIT has already happened.
                let visible = try? observer.db.scalarInt64("SELECT i FROM t WHERE i = ?", [.integer(value)])
                seen.append((value, visible ?? nil))
                finished.fulfill()
            }
        }
        gate.signal()
        wait(for: [finished], timeout: 10)
        XCTAssertEqual(seen.values.map(\.0), Array(1...100))
        XCTAssertEqual(seen.values.map(\.1), Array(1...100).map { Optional($0) })
        XCTAssertEqual(writer.metrics().largestGroupSize, 100, "the queued writes share one commit")
    }

    func testAnOperationThatThrowsFailsAloneAndTheRestOfItsGroupCommits() throws {
        let (writer, path) = try makeWriter()
        let results = Collector<(Int, Bool)>()
        let finished = expectation(description: "delivered")
        finished.expectedFulfillmentCount = 3
        let gate = blockWriter(writer)
        insert(writer, 1) { results.append((1, (try? $0.get()) != nil)); finished.fulfill() }
        writer.submit({ db in
            try db.run("INSERT INTO t (i) VALUES (2)")
            throw StoreError.invalid("second op fails after writing")
        }) { (result: Result<Void, Error>) in
            XCTAssertEqual(result.failure as? StoreError, .invalid("second op fails after writing"))
            results.append((2, false))
            finished.fulfill()
        }
        insert(writer, 3) { results.append((3, (try? $0.get()) != nil)); finished.fulfill() }
        gate.signal()
        wait(for: [finished], timeout: 10)
        XCTAssertEqual(results.values.map(\.0), [1, 2, 3])
        XCTAssertEqual(results.values.map(\.1), [true, false, true])
        writer.shutdown()
        let db = try Database(path: path, flags: [.readOnly])
        XCTAssertEqual(try db.query("SELECT i FROM t ORDER BY i") { $0.int64(0) }, [1, 3])
        XCTAssertEqual(writer.metrics().failedOperations, 1)
    }

    func testAFailedCommitFailsEveryOperationOfTheGroup() throws {
        let (writer, path) = try makeWriter()
        let failures = Collector<Bool>()
        let finished = expectation(description: "delivered")
        finished.expectedFulfillmentCount = 3
        let gate = blockWriter(writer)
        insert(writer, 1) { failures.append($0.failure != nil); finished.fulfill() }
        // A deferred foreign key is checked only at COMMIT, so this op "succeeds" and
        // then makes the whole group's COMMIT fail.
        writer.submit({ db in try db.run("INSERT INTO child (pid) VALUES (42)") }) {
            failures.append($0.failure != nil)
            finished.fulfill()
        }
        insert(writer, 2) { failures.append($0.failure != nil); finished.fulfill() }
        gate.signal()
        wait(for: [finished], timeout: 10)
        XCTAssertEqual(failures.values, [true, true, true])

        let after = expectation(description: "the next group still works")
        insert(writer, 3) { result in
            XCTAssertNil(result.failure)
            after.fulfill()
        }
        wait(for: [after], timeout: 10)
        writer.shutdown()
        let db = try Database(path: path, flags: [.readOnly])
        XCTAssertEqual(try db.query("SELECT i FROM t") { $0.int64(0) }, [3])
        XCTAssertEqual(writer.metrics().failedCommits, 1)
    }

    func testShutdownFinishesQueuedWorkThenRefusesNewWork() throws {
        let (writer, path) = try makeWriter()
        let delivered = Collector<Int64>()
        for value in Int64(1)...50 {
            insert(writer, value) { if $0.failure == nil { delivered.append(value) } }
        }
        writer.shutdown()
        XCTAssertEqual(delivered.values.count, 50)
        let refused = Collector<Error>()
        insert(writer, 99) { if let error = $0.failure { refused.append(error) } }
        XCTAssertEqual(refused.values.first as? StoreError, .closed)
        let db = try Database(path: path, flags: [.readOnly])
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM t"), 50)
    }

    func testMetricsCountCommitsOperationsAndLatency() throws {
        let (writer, _) = try makeWriter()
        for value in Int64(1)...3 {
            let done = expectation(description: "write \(value)")
            insert(writer, value) { _ in done.fulfill() }
            wait(for: [done], timeout: 5)
        }
        let metrics = writer.metrics()
        XCTAssertEqual(metrics.commits, 3)
        XCTAssertEqual(metrics.operations, 3)
        XCTAssertEqual(metrics.lastGroupSize, 1)
        XCTAssertEqual(metrics.averageGroupSize, 1)
        XCTAssertEqual(metrics.commitLatencyCount, 3)
        XCTAssertEqual(metrics.commitLatencyBuckets.last?.count, 3)
        XCTAssertEqual(metrics.commitLatencyBuckets.last?.upperBoundSeconds, .infinity)
        XCTAssertGreaterThan(metrics.commitLatencySumSeconds, 0)
    }

    func testMaintenanceRunsAfterTheConfiguredNumberOfCommits() throws {
        let runs = Collector<Int>()
        let (writer, _) = try makeWriter(
            options: .init(maintenanceEveryCommits: 2, maintenance: { _ in runs.append(1); return false }))
        for value in Int64(1)...5 {
            let done = expectation(description: "write \(value)")
            insert(writer, value) { _ in done.fulfill() }
            wait(for: [done], timeout: 5)
        }
        writer.shutdown()
        XCTAssertEqual(runs.values.count, 2)
    }

    func testMaintenanceThatStoppedShortRunsAgainWhileNothingIsQueued() throws {
        let runs = Collector<Int>()
        let finished = expectation(description: "the fourth slice")
        let (writer, _) = try makeWriter(
            options: .init(maintenanceEveryCommits: 1, maintenance: { _ in
                runs.append(1)
                if runs.values.count == 4 { finished.fulfill() }
                return runs.values.count < 4  // three slices say "more", the fourth finishes
            }))
        let done = expectation(description: "write")
        insert(writer, 1) { _ in done.fulfill() }
        wait(for: [done, finished], timeout: 5)
        writer.shutdown()
        XCTAssertEqual(runs.values.count, 4, "no slice after the one that finished")
    }
}

/// A connection the test hands to completions.
// @unchecked: used only on the writer thread (inside completions), closed after they ran.
private final class ThreadBoundDatabase: @unchecked Sendable {
    let db: Database
    init(_ db: Database) { self.db = db }
}
