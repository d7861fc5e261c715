import Foundation
import GridlineStore
import XCTest

/// SPEC §7 and §15: an AI job runs on the node that took its request, so when that process is
/// gone its running jobs end as errors — a killed node's by the survivor that reaps it, a
/// crashed predecessor's by the node started again under its id, a stopped node's by itself —
/// and any node reports them so. A real job ends within milliseconds, so the jobs "running" at
/// the fault are rows written as `AIService` writes them, with the runner of a real job.
final class ClusterAIJobsEndToEndTests: ClusterTestCase {
    private static let slack: TimeInterval = 0.5

    private func openDatabase(_ cluster: ClusterHarness) throws -> Database {
        let db = try Store.openConnection(path: cluster.dataDirectory + "/" + Store.databaseFileName, readOnly: false)
        addTeardownBlock { db.close() }
        return db
    }

    /// Runs a real job on node `index` for `user` and returns the runner its row names.
    private func runner(ofJob request: String, on index: Int, user: String, _ cluster: ClusterHarness,
                        _ db: Database) throws -> AIJobRunner {
        let client = try TestClient.joined(port: cluster.port(index), user: user)
        defer { client.close() }
        XCTAssertEqual(run(request, on: client), "ai_complete")
        let rows = try db.query("SELECT node_id, incarnation FROM ai_jobs WHERE user_id = ? AND request_id = ?",
                                [.text(user), .text(request)]) { AIJobRunner(nodeID: $0.string(0), incarnation: $0.string(1)) }
        let runner = try XCTUnwrap(rows.first, "the job's row")
        XCTAssertEqual(runner.nodeID, cluster.nodeID(index))
        XCTAssertEqual(runner.incarnation.count, 16, "a process's incarnation: 8 random bytes in hex")
        return runner
    }

    /// Sends an AI request and returns how it ended: `ai_complete`, `ai_error`, or the refusal.
    private func run(_ request: String, on client: TestClient) -> String? {
        client.send(["type": "ai_request", "request_id": request, "query": "sum", "sheet_id": "demo-sheet"])
        let deadline = Date().addingTimeInterval(15)
        while deadline.timeIntervalSinceNow > 0, let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) {
            guard message["request_id"] as? String == request else { continue }
            if message["type"] as? String == "error" { return "error \(message)" }
            if message["type"] as? String == "ai_event", ["ai_complete", "ai_error"].contains(message["event_type"] as? String ?? "") {
                return message["event_type"] as? String
            }
        }
        return nil
    }

    /// The stored job once it is no longer `running`, or as it stands after `seconds`.
    private func jobOnceEnded(_ port: UInt16, _ request: String, user: String, within seconds: TimeInterval) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        var stored = try job(port, request, user: user)
        while stored["status"] as? String == "running", Date() < deadline {
            usleep(100_000)
            stored = try job(port, request, user: user)
        }
        return stored
    }

    private func insertRunning(_ db: Database, _ request: String, user: String, runner: AIJobRunner) throws {
        try AIJobStore.create(db, requestId: request, userId: user, sheetId: "demo-sheet", query: "q", tableRange: nil,
                              now: Int64(Date().timeIntervalSince1970 * 1000), runner: runner)
    }

    private func job(_ port: UInt16, _ request: String, user: String) throws -> [String: Any] {
        let response = try REST.call(port, "GET", "/api/v1/ai/jobs/\(request)", token: Tokens.make(user: user))
        XCTAssertEqual(response.status, 200, "\(request)")
        return response.json ?? [:]
    }

    func testAKilledNodesRunningJobsEndAsInterruptedOnEveryNodeAndNoOtherJobDoes() throws {
        let cluster = try startCluster()
        let db = try openDatabase(cluster)
        let victim = try runner(ofJob: "real-on-1", on: 1, user: "analyst", cluster, db)
        let survivor = try runner(ofJob: "real-on-2", on: 2, user: "analyst", cluster, db)
        try insertRunning(db, "on-victim", user: "analyst", runner: victim)
        try insertRunning(db, "on-survivor", user: "analyst", runner: survivor)
        XCTAssertEqual(try job(cluster.port(0), "on-victim", user: "analyst")["status"] as? String, "running")

        let killedAt = Date()
        cluster.kill9(1)
        // A survivor reaps the node within 7 s (its alive key's 5 s, then a reaper's second).
        let ended = try jobOnceEnded(cluster.port(0), "on-victim", user: "analyst",
                                     within: 7 + Self.slack - Date().timeIntervalSince(killedAt))
        XCTAssertEqual(ended["status"] as? String, "error", "ended within 7 s of the kill\n" + cluster.logs())
        XCTAssertEqual(ended["error"] as? String, "interrupted: node \(cluster.nodeID(1)) stopped")
        XCTAssertEqual(try job(cluster.port(2), "on-victim", user: "analyst")["status"] as? String, "error", "every node says so")
        XCTAssertEqual(try job(cluster.port(0), "on-survivor", user: "analyst")["status"] as? String, "running",
                       "a live node's job is left alone")
        XCTAssertEqual(try job(cluster.port(0), "real-on-1", user: "analyst")["status"] as? String, "complete",
                       "a finished job keeps its ending")
    }

    func testANodeStartedAgainUnderItsIdEndsItsPredecessorsJobsAndAStoppedNodeEndsItsOwn() throws {
        // One node: no survivor to reap it, so only the node itself can end these.
        let cluster = try startCluster(nodes: 1)
        let db = try openDatabase(cluster)
        let first = try runner(ofJob: "before-the-crash", on: 0, user: "analyst", cluster, db)
        try insertRunning(db, "at-the-crash", user: "analyst", runner: first)
        cluster.kill9(0)
        try cluster.restart(0)
        let ended = try jobOnceEnded(cluster.port(0), "at-the-crash", user: "analyst", within: 10)
        XCTAssertEqual(ended["status"] as? String, "error", cluster.logs())
        XCTAssertEqual(ended["error"] as? String, AIJobStore.interruptedMessage)

        let second = try runner(ofJob: "after-the-restart", on: 0, user: "analyst", cluster, db)
        XCTAssertNotEqual(second.incarnation, first.incarnation)
        try insertRunning(db, "at-the-stop", user: "analyst", runner: second)
        XCTAssertEqual(cluster.stop(0), 0, "a clean exit")
        let rows = try db.query("SELECT status, error FROM ai_jobs WHERE request_id = 'at-the-stop'") { [$0.string(0), $0.string(1)] }
        XCTAssertEqual(rows, [["error", AIJobStore.interruptedMessage]])
    }

    func testAUsersRunningJobsCountOnEveryNode() throws {
        let cluster = try startCluster(nodes: 2)
        let db = try openDatabase(cluster)
        let elsewhere = try runner(ofJob: "real-on-1", on: 1, user: "busy", cluster, db)
        // Three jobs of this user running on node 1 (rows as node 1 writes them).
        for index in 1...3 { try insertRunning(db, "running-\(index)", user: "busy", runner: elsewhere) }
        let client = try TestClient.joined(port: cluster.port(0), user: "busy")
        client.send(["type": "ai_request", "request_id": "fourth", "query": "sum", "sheet_id": "demo-sheet"])
        let refused = try XCTUnwrap(client.expect("error", timeout: 10))
        XCTAssertEqual(refused["code"] as? String, "RATE_LIMIT_EXCEEDED")
        XCTAssertEqual(refused["request_id"] as? String, "fourth")
        XCTAssertEqual(try REST.call(cluster.port(0), "GET", "/api/v1/ai/jobs/fourth", token: Tokens.make(user: "busy")).status,
                       404, "a refused job is not stored")

        // One of them ends: the next request on node 0 runs.
        XCTAssertTrue(try AIJobStore.finish(db, userId: "busy", requestId: "running-2", status: .complete, resultJSON: "{}",
                                            error: nil, now: Int64(Date().timeIntervalSince1970 * 1000)))
        XCTAssertEqual(run("after-one-ended", on: client), "ai_complete")
    }
}
