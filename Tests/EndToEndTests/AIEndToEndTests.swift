import Foundation
import XCTest

/// AI jobs (SPEC §7): stored, streamed to every connection of the requester, cancellable.
final class AIEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["WEBSOCKET_REQUESTS_PER_MINUTE": "100000", "WEBSOCKET_REQUESTS_PER_HOUR": "1000000"])
    }

    override func tearDown() {
        server.stop()
    }

    func join(_ user: String) throws -> TestClient {
        try TestClient.joined(port: server.port, user: user)
    }

    /// Collects one job's events until it ends.
    func events(_ client: TestClient, request: String, timeout: TimeInterval = 30) -> [[String: Any]] {
        var seen: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) {
            guard message["type"] as? String == "ai_event", message["request_id"] as? String == request else { continue }
            seen.append(message)
            if ["ai_complete", "ai_error", "ai_cancelled"].contains(message["event_type"] as? String ?? "") { break }
        }
        return seen
    }

    func testTheAnalyserReadsComputedFormulaValues() throws {
        let client = try join("formulas")
        client.send(["type": "cells_update", "sheet_id": "demo-sheet", "updates": [
            ["cell_id": "M1", "value": 10], ["cell_id": "M2", "formula": "=M1*2"], ["cell_id": "M3", "formula": "=M2+M1"],
            ["cell_id": "M4", "formula": "=1/0"],
        ]])
        XCTAssertNotNil(client.expect("cells_updated"))
        client.send(["type": "ai_request", "request_id": "job-f", "query": "Sum M", "sheet_id": "demo-sheet",
                     "context": ["table_range": "M1:M4"]])
        let complete = try XCTUnwrap(events(client, request: "job-f").last)
        let figures = try XCTUnwrap((complete["data"] as? [String: Any])?["figures"] as? [String: Any])
        XCTAssertEqual(figures["count"] as? Int, 3, "the #DIV/0! cell is not a number")
        XCTAssertEqual(figures["sum"] as? Double, 60)
    }

    func testAnalysisFiguresMatchTheSheetsNumbers() throws {
        let client = try join("ana")
        let otherTab = try TestClient(port: server.port, token: Tokens.make(user: "ana"))
        XCTAssertNotNil(otherTab.expect("connection_established"))
        let values: [Double] = [4, 8, 15, 16, 23, 42, 7.5, -3]
        let updates = values.enumerated().map { ["cell_id": "F\($0.offset + 1)", "value": $0.element] as [String: Any] }
        client.send(["type": "cells_update", "sheet_id": "demo-sheet",
                     "updates": updates + [["cell_id": "F9", "value": "not a number"]]])
        XCTAssertNotNil(client.expect("cells_updated"))
        client.send(["type": "ai_request", "request_id": "job-1", "query": "Summarise F", "sheet_id": "demo-sheet",
                     "context": ["table_range": "F1:F9"]])
        let stream = events(client, request: "job-1")
        XCTAssertEqual(stream.first?["event_type"] as? String, "ai_start")
        XCTAssertEqual((stream.first?["data"] as? [String: Any])?["query"] as? String, "Summarise F")
        let progress = stream.filter { $0["event_type"] as? String == "ai_progress" }
            .compactMap { ($0["data"] as? [String: Any])?["progress"] as? Int }
        XCTAssertFalse(progress.isEmpty)
        XCTAssertEqual(progress, progress.sorted())
        let complete = try XCTUnwrap(stream.last)
        XCTAssertEqual(complete["event_type"] as? String, "ai_complete")
        XCTAssertEqual(complete["user_id"] as? String, "ana")
        let data = try XCTUnwrap(complete["data"] as? [String: Any])
        XCTAssertNotNil(data["result"] as? String)
        XCTAssertNotNil(data["processing_time"] as? Double)
        let figures = try XCTUnwrap(data["figures"] as? [String: Any])
        let sum = values.reduce(0, +)
        let mean = sum / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        XCTAssertEqual(figures["count"] as? Int, values.count)
        XCTAssertEqual(figures["non_numeric"] as? Int, 1)
        XCTAssertEqual(figures["sum"] as? Double ?? .nan, sum, accuracy: 1e-9)
        XCTAssertEqual(figures["mean"] as? Double ?? .nan, mean, accuracy: 1e-9)
        XCTAssertEqual(figures["min"] as? Double, -3)
        XCTAssertEqual(figures["max"] as? Double, 42)
        XCTAssertEqual(figures["std_dev"] as? Double ?? .nan, std, accuracy: 1e-9)
        // Every connection of the requester hears the job.
        XCTAssertEqual(events(otherTab, request: "job-1").last?["event_type"] as? String, "ai_complete")
        // The stored job answers after the fact.
        let job = try REST.call(server.port, "GET", "/api/v1/ai/jobs/job-1", token: Tokens.make(user: "ana"))
        XCTAssertEqual(job.status, 200)
        XCTAssertEqual(job.json?["status"] as? String, "complete")
        XCTAssertEqual(job.json?["progress"] as? Int, 100)
        XCTAssertEqual(job.json?["result"] as? String, data["result"] as? String)
        XCTAssertEqual(try REST.call(server.port, "GET", "/api/v1/ai/jobs/job-1", token: Tokens.make(user: "other")).status, 404)
    }

    func testLargeRangeStreamsProgressAndCanBeCancelled() throws {
        let client = try join("ben")
        // 20,000 numeric cells through batches of 1,000.
        for block in 0..<20 {
            let updates = (1...1000).map { ["cell_id": "G\(block * 1000 + $0)", "value": Double(block * 1000 + $0)] as [String: Any] }
            client.send(["type": "cells_update", "sheet_id": "demo-sheet", "updates": updates])
            XCTAssertNotNil(client.expect("cells_updated"))
        }
        client.send(["type": "ai_request", "request_id": "long", "query": "trend", "sheet_id": "demo-sheet",
                     "context": ["table_range": "G1:G20000"]])
        let stream = events(client, request: "long")
        let progress = stream.filter { $0["event_type"] as? String == "ai_progress" }
        XCTAssertGreaterThanOrEqual(progress.count, 5, "progress follows the chunks of real work")
        let figures = (stream.last?["data"] as? [String: Any])?["figures"] as? [String: Any]
        XCTAssertEqual(figures?["count"] as? Int, 20000)
        XCTAssertEqual((figures?["trend"] as? [String: Any])?["direction"] as? String, "increasing")

        client.send(["type": "ai_request", "request_id": "stop-me", "query": "q", "sheet_id": "demo-sheet"])
        client.send(["type": "ai_cancel", "request_id": "stop-me"])
        let cancelled = events(client, request: "stop-me")
        let last = try XCTUnwrap(cancelled.last)
        // The job may finish before the cancel lands; either way it ends exactly once.
        XCTAssertTrue(["ai_cancelled", "ai_complete"].contains(last["event_type"] as? String ?? ""))
        XCTAssertEqual(cancelled.filter { ["ai_cancelled", "ai_complete", "ai_error"].contains($0["event_type"] as? String ?? "") }.count, 1)
        client.send(["type": "ai_cancel", "request_id": "never-started"])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "NOT_FOUND")
    }

    func testFourthConcurrentJobIsRefused() throws {
        let client = try join("cara")
        // Jobs count from the moment they are accepted, so four sent together leave the fourth out
        // (in one write: sent one by one, a loaded machine can finish the first jobs before the
        // server reads the fourth).
        client.sendTogether((1...4).map {
            ["type": "ai_request", "request_id": "par-\($0)", "query": "q", "sheet_id": "demo-sheet", "request": $0]
        })
        let refused = try XCTUnwrap(client.expect("error"))
        XCTAssertEqual(refused["code"] as? String, "RATE_LIMIT_EXCEEDED")
        XCTAssertEqual(refused["request_id"] as? String, "par-4")
        var ended = Set<String>()
        let deadline = Date().addingTimeInterval(30)
        while ended.count < 3, Date() < deadline, let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) {
            if message["type"] as? String == "ai_event", message["event_type"] as? String == "ai_complete" {
                ended.insert(message["request_id"] as? String ?? "")
            }
        }
        XCTAssertEqual(ended, ["par-1", "par-2", "par-3"])
    }

    func testProviderFailureEndsWithAIError() throws {
        server.stop()
        server = try ServerProcess(environment: ["AI_PROVIDER": "failing"])
        let client = try join("dan")
        client.send(["type": "ai_request", "request_id": "boom", "query": "q", "sheet_id": "demo-sheet"])
        let last = try XCTUnwrap(events(client, request: "boom").last)
        XCTAssertEqual(last["event_type"] as? String, "ai_error")
        XCTAssertNotNil((last["data"] as? [String: Any])?["error"] as? String)
        let job = try REST.call(server.port, "GET", "/api/v1/ai/jobs/boom", token: Tokens.make(user: "dan"))
        XCTAssertEqual(job.json?["status"] as? String, "error")
    }

    func testBadAIRequestsAreRefused() throws {
        let client = try join("eve")
        client.send(["type": "ai_request", "request_id": "r", "query": "q", "sheet_id": "demo-sheet",
                     "context": ["table_range": "ZZZZ1:A0"]])
        let bad = try XCTUnwrap(client.expect("error"))
        XCTAssertEqual(bad["code"] as? String, "INVALID_MESSAGE")
        XCTAssertTrue((bad["error"] as? String ?? "").contains("table_range"))
        client.send(["type": "ai_request", "query": "q", "sheet_id": "demo-sheet"])
        XCTAssertTrue((client.expect("error")?["error"] as? String ?? "").contains("request_id"))
        client.send(["type": "ai_request", "request_id": "r2", "query": "q", "sheet_id": "nope"])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "SHEET_NOT_FOUND")
        // Text cells in the range are ignored, not an error.
        client.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "J1", "value": "words"])
        XCTAssertNotNil(client.expect("cell_updated"))
        client.send(["type": "ai_request", "request_id": "texty", "query": "q", "sheet_id": "demo-sheet",
                     "context": ["table_range": "J1:J1"]])
        let done = try XCTUnwrap(events(client, request: "texty").last)
        XCTAssertEqual(done["event_type"] as? String, "ai_complete")
        XCTAssertEqual(((done["data"] as? [String: Any])?["figures"] as? [String: Any])?["count"] as? Int, 0)
    }
}
