import Foundation
import XCTest

/// Write-message limits (SPEC §5) enforced end to end: refusals apply nothing, repeat
/// offenders are blocked.
final class RateLimitEndToEndTests: XCTestCase {
    func testPerMinuteLimitRefusesTheUpdateAndRepeatedViolationsBlock() throws {
        let server = try ServerProcess(environment: ["WEBSOCKET_REQUESTS_PER_MINUTE": "4",
                                                     "WEBSOCKET_BLOCK_DURATION_MINUTES": "0.05"])
        defer { server.stop() }
        let alice = try TestClient(port: server.port, token: Tokens.make(user: "alice"))
        XCTAssertNotNil(alice.expect("connection_established"))
        alice.send(["type": "join_room", "room_id": "demo"])  // 1 of 4
        XCTAssertNotNil(alice.expect("room_state"))
        for i in 1...3 {
            alice.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "M\(i)", "value": i, "request_id": "ok\(i)"])
            XCTAssertEqual(alice.expect("cell_updated")?["request_id"] as? String, "ok\(i)")
        }
        alice.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "M9", "value": 9, "request_id": "over"])
        let refused = try XCTUnwrap(alice.expect("error"))
        XCTAssertEqual(refused["code"] as? String, "RATE_LIMIT_EXCEEDED")
        XCTAssertEqual(refused["request_id"] as? String, "over")
        XCTAssertTrue((refused["error"] as? String ?? "").contains("retry in"), "says when to retry")
        XCTAssertTrue(alice.receivesNo("cell_updated", within: 0.3))
        // Reads are not write messages and still work.
        alice.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet"])
        let cells = try XCTUnwrap(alice.expect("sheet_state")?["cells"] as? [[String: Any]])
        XCTAssertFalse(cells.contains { $0["cell_id"] as? String == "M9" }, "the refused update was not applied")
        alice.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "M9", "value": 9])
        XCTAssertEqual(alice.expect("error")?["code"] as? String, "RATE_LIMIT_EXCEEDED")
        alice.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "M9", "value": 9])
        let blocked = try XCTUnwrap(alice.expect("error"))
        XCTAssertEqual(blocked["code"] as? String, "RATE_LIMIT_EXCEEDED")
        XCTAssertTrue((blocked["error"] as? String ?? "").contains("blocked"))
        // Blocked for 3 s (0.05 min): another user is unaffected meanwhile.
        let bob = try TestClient(port: server.port, token: Tokens.make(user: "bob"))
        XCTAssertNotNil(bob.expect("connection_established"))
        bob.send(["type": "join_room", "room_id": "demo"])
        XCTAssertNotNil(bob.expect("room_state"))
        XCTAssertTrue(server.log.contains("\"event\":\"rate_blocked\""))
    }
}
