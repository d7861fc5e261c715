import Foundation
import XCTest

/// A client that stops reading cannot grow the server's memory (SPEC §3): past the send-buffer
/// cap its cursor frames are dropped, then it is closed 1008 "slow consumer"; others carry on.
final class SlowConsumerEndToEndTests: XCTestCase {
    func testNonReaderIsClosedAsSlowConsumerWhileReadersGetEverything() throws {
        let server = try ServerProcess(environment: [
            "WEBSOCKET_SEND_BUFFER_BYTES": "262144", "WEBSOCKET_REQUESTS_PER_MINUTE": "100000",
            "WEBSOCKET_REQUESTS_PER_HOUR": "1000000", "WEBSOCKET_CURSOR_RATE": "100000",
        ])
        defer { server.stop() }
        func join(_ user: String) throws -> TestClient { try TestClient.joined(port: server.port, user: user) }
        let writer = try join("writer")
        let reader = try join("reader")
        let sleeper = try join("sleeper")  // never reads from here on
        let big = String(repeating: "z", count: 30_000)
        var acknowledged = 0
        var readerGot = 0
        // Up to ~12 MB toward the sleeper: past its kernel buffers and the 256 KiB cap.
        for round in 0..<400 {
            writer.send(["type": "cursor_move", "room": "demo", "x": round, "y": 0, "cell": "A1"])
            writer.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Y\(round % 50 + 1)", "value": big,
                         "request_id": "w\(round)"])
            while let message = writer.nextMessage(timeout: 5) {
                if message["request_id"] as? String == "w\(round)" { break }
            }
            acknowledged += 1
            while let message = reader.nextMessage(timeout: 0.001) {
                if message["type"] as? String == "cell_updated" { readerGot += 1 }
            }
        }
        while readerGot < acknowledged, let message = reader.nextMessage(timeout: 5) {
            if message["type"] as? String == "cell_updated" { readerGot += 1 }
        }
        XCTAssertEqual(readerGot, acknowledged, "a reading client misses nothing")
        let metrics = String(decoding: try REST.call(server.port, "GET", "/metrics", token: nil).body, as: UTF8.self)
        XCTAssertTrue(metrics.contains("gridline_slow_consumers_total 1\n"), "exactly the sleeper was cut off")
        // What the sleeper finally reads ends with the 1008 close.
        XCTAssertEqual(sleeper.expectClose(timeout: 20), 1008)
        XCTAssertEqual(sleeper.closeReason, "slow consumer")
        reader.send(["type": "ping", "request_id": "after"])
        XCTAssertEqual(reader.expect("pong")?["request_id"] as? String, "after")
    }
}
