import XCTest

@testable import GridlineStore

final class AIJobStoreTests: XCTestCase {
    private func create(_ db: Database, _ request: String, user: String = "u1") throws {
        try AIJobStore.create(
            db, requestId: request, userId: user, sheetId: "s1", query: "sum", tableRange: "A1:B2", now: 10)
    }

    func testJobRunsReportsProgressAndCompletes() throws {
        let db = try makeMigratedDatabase(self)
        try create(db, "req-1")
        XCTAssertEqual(try AIJobStore.get(db, userId: "u1", requestId: "req-1")?.status, .running)
        XCTAssertTrue(try AIJobStore.updateProgress(db, userId: "u1", requestId: "req-1", progress: 150))
        XCTAssertEqual(try AIJobStore.get(db, userId: "u1", requestId: "req-1")?.progress, 100, "clamped")
        XCTAssertTrue(
            try AIJobStore.finish(
                db, userId: "u1", requestId: "req-1", status: .complete, resultJSON: "{\"sum\":3}", error: nil, now: 20))
        let job = try AIJobStore.get(db, userId: "u1", requestId: "req-1")
        XCTAssertEqual(job?.status, .complete)
        XCTAssertEqual(job?.resultJSON, "{\"sum\":3}")
        XCTAssertEqual(job?.finishedAt, 20)
        XCTAssertFalse(
            try AIJobStore.finish(db, userId: "u1", requestId: "req-1", status: .cancelled, resultJSON: nil, error: nil, now: 30),
            "the first ending wins")
        XCTAssertFalse(try AIJobStore.updateProgress(db, userId: "u1", requestId: "req-1", progress: 5))
    }

    func testRequestIdsAreScopedPerUserAndCountedWhileRunning() throws {
        let db = try makeMigratedDatabase(self)
        try create(db, "a")
        try create(db, "b")
        try create(db, "a", user: "u2")
        XCTAssertThrowsError(try create(db, "a")) { error in
            XCTAssertEqual(error as? StoreError, .duplicate("AI job a"))
        }
        XCTAssertEqual(try AIJobStore.countRunning(db, userId: "u1"), 2)
        try AIJobStore.finish(db, userId: "u1", requestId: "b", status: .error, resultJSON: nil, error: "boom", now: 11)
        XCTAssertEqual(try AIJobStore.countRunning(db, userId: "u1"), 1)
        XCTAssertEqual(try AIJobStore.get(db, userId: "u1", requestId: "b")?.error, "boom")
        XCTAssertNil(try AIJobStore.get(db, userId: "u3", requestId: "a"))
        XCTAssertThrowsError(
            try AIJobStore.finish(db, userId: "u1", requestId: "a", status: .running, resultJSON: nil, error: nil, now: 1))
    }

    func testJobsLeftRunningByAPreviousProcessEndAsInterrupted() throws {
        let db = try makeMigratedDatabase(self)
        try create(db, "a")
        try create(db, "b")
        try AIJobStore.finish(db, userId: "u1", requestId: "b", status: .complete, resultJSON: "{}", error: nil, now: 11)
        XCTAssertEqual(try AIJobStore.markInterruptedJobs(db, now: 99), 1)
        let job = try AIJobStore.get(db, userId: "u1", requestId: "a")
        XCTAssertEqual(job?.status, .error)
        XCTAssertEqual(job?.error, "interrupted by restart")
        XCTAssertEqual(job?.finishedAt, 99)
        XCTAssertEqual(try AIJobStore.get(db, userId: "u1", requestId: "b")?.status, .complete)
    }

    func testAClusterNodesJobsEndOnlyForThatNodeAndNotForTheProcessHoldingItsIdNow() throws {
        let db = try makeMigratedDatabase(self)
        let dead = AIJobRunner(nodeID: "n2", incarnation: "old")
        let successor = AIJobRunner(nodeID: "n2", incarnation: "new")
        let other = AIJobRunner(nodeID: "n3", incarnation: "x")
        for (request, runner) in [("dead-1", dead), ("dead-2", dead), ("successor", successor), ("other", other)] {
            try AIJobStore.create(db, requestId: request, userId: "u1", sheetId: "s1", query: "q", tableRange: nil,
                                  now: 10, runner: runner)
        }
        try create(db, "single")
        try AIJobStore.finish(db, userId: "u1", requestId: "dead-2", status: .complete, resultJSON: "{}", error: nil, now: 11)
        XCTAssertEqual(try db.query("SELECT node_id, incarnation FROM ai_jobs WHERE request_id = 'dead-1'") {
            [$0.string(0), $0.string(1)]
        }, [["n2", "old"]])

        XCTAssertEqual(try AIJobStore.markInterruptedJobs(db, nodeID: "n2", sparing: "new", message: AIJobStore.nodeLostMessage("n2"),
                                                          now: 50), 1)
        let ended = try AIJobStore.get(db, userId: "u1", requestId: "dead-1")
        XCTAssertEqual(ended?.status, .error)
        XCTAssertEqual(ended?.error, "interrupted: node n2 stopped")
        XCTAssertEqual(ended?.finishedAt, 50)
        for running in ["successor", "other", "single"] {
            XCTAssertEqual(try AIJobStore.get(db, userId: "u1", requestId: running)?.status, .running, running)
        }
        XCTAssertEqual(try AIJobStore.get(db, userId: "u1", requestId: "dead-2")?.status, .complete)
        XCTAssertEqual(try AIJobStore.countRunning(db, userId: "u1"), 3)

        // With nobody holding the id, every running job of the node ends; nothing else does.
        XCTAssertEqual(try AIJobStore.markInterruptedJobs(db, nodeID: "n2", sparing: nil, message: "gone", now: 60), 1)
        XCTAssertEqual(try AIJobStore.get(db, userId: "u1", requestId: "successor")?.error, "gone")
        XCTAssertEqual(try AIJobStore.countRunning(db, userId: "u1"), 2)
    }

    func testALimitOnRunningJobsIsCheckedInTheSameStepAsTheInsert() throws {
        let db = try makeMigratedDatabase(self)
        for request in ["a", "b", "c"] {
            try AIJobStore.create(db, requestId: request, userId: "u1", sheetId: nil, query: "q", tableRange: nil, now: 1,
                                  maxRunning: 3)
        }
        XCTAssertThrowsError(try AIJobStore.create(db, requestId: "d", userId: "u1", sheetId: nil, query: "q", tableRange: nil,
                                                   now: 2, maxRunning: 3)) { error in
            XCTAssertEqual(error as? StoreError, .tooManyRunningJobs(3))
        }
        XCTAssertNil(try AIJobStore.get(db, userId: "u1", requestId: "d"), "nothing was written")
        try AIJobStore.create(db, requestId: "d", userId: "u2", sheetId: nil, query: "q", tableRange: nil, now: 2, maxRunning: 3)
        try AIJobStore.finish(db, userId: "u1", requestId: "b", status: .complete, resultJSON: "{}", error: nil, now: 3)
        try AIJobStore.create(db, requestId: "d", userId: "u1", sheetId: nil, query: "q", tableRange: nil, now: 4, maxRunning: 3)
        XCTAssertEqual(try AIJobStore.countRunning(db, userId: "u1"), 3)
    }
}
