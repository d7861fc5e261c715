import Foundation
import XCTest

/// Versioned cells, batches, snapshots and sync (SPEC §6) with several real clients.
final class CellEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["WEBSOCKET_REQUESTS_PER_MINUTE": "100000",
                                                 "WEBSOCKET_REQUESTS_PER_HOUR": "1000000"])
    }

    override func tearDown() {
        server.stop()
    }

    func join(_ user: String, role: String = "editor") throws -> TestClient {
        try TestClient.joined(port: server.port, user: user, role: role)
    }

    func update(_ client: TestClient, _ cell: String, _ value: Any, version: Int? = nil, id: String) {
        var message: [String: Any] = ["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": cell, "value": value,
                                      "request_id": id]
        if let version { message["version"] = version }
        client.send(message)
    }

    func testAppliedUpdateGoesToTheWholeRoomWithVersionAndSeq() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        update(alice, "Z1", "hello", version: 0, id: "u1")
        let mine = try XCTUnwrap(alice.expect("cell_updated"))
        let theirs = try XCTUnwrap(bob.expect("cell_updated"))
        for event in [mine, theirs] {
            XCTAssertEqual(event["sheet_id"] as? String, "demo-sheet")
            XCTAssertEqual(event["cell_id"] as? String, "Z1")
            XCTAssertEqual(event["value"] as? String, "hello")
            XCTAssertEqual(event["version"] as? Int, 1)
            XCTAssertEqual(event["user_id"] as? String, "alice")
            XCTAssertEqual(event["username"] as? String, "alice")
            XCTAssertEqual(event["request_id"] as? String, "u1")
            XCTAssertTrue(event.keys.contains("formula"))
        }
        XCTAssertEqual(mine["seq"] as? Int, theirs["seq"] as? Int)
        let firstSeq = try XCTUnwrap(mine["seq"] as? Int)
        alice.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Z1", "value": 42, "formula": "=40+2",
                    "version": 1])
        let second = try XCTUnwrap(bob.expect("cell_updated"))
        XCTAssertEqual(second["version"] as? Int, 2)
        XCTAssertEqual(second["seq"] as? Int, firstSeq + 1)
        XCTAssertEqual(second["value"] as? Int, 42)
        XCTAssertEqual(second["formula"] as? String, "=40+2")
    }

    func testStaleVersionIsRejectedWithTheCurrentCell() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        update(alice, "Y2", 10, version: 0, id: "a")
        XCTAssertNotNil(alice.expect("cell_updated"))
        XCTAssertNotNil(bob.expect("cell_updated"))
        update(bob, "Y2", 20, version: 0, id: "stale")
        let conflict = try XCTUnwrap(bob.expect("error"))
        XCTAssertEqual(conflict["code"] as? String, "VERSION_CONFLICT")
        XCTAssertEqual(conflict["request_id"] as? String, "stale")
        let current = try XCTUnwrap(conflict["current"] as? [String: Any])
        XCTAssertEqual(current["value"] as? Int, 10)
        XCTAssertEqual(current["version"] as? Int, 1)
        XCTAssertEqual(current["updated_by"] as? String, "alice")
        XCTAssertNotNil(current["updated_at"] as? String)
        XCTAssertTrue(alice.receivesNo("cell_updated", within: 0.3), "nothing was applied")
        // Without a version the write is last-writer-wins.
        update(bob, "Y2", 30, id: "lww")
        XCTAssertEqual(alice.expect("cell_updated")?["value"] as? Int, 30)
        XCTAssertEqual(bob.expect("cell_updated")?["version"] as? Int, 2)
    }

    func testViewersAndOutsidersCannotWrite() throws {
        let viewer = try join("vic", role: "viewer")
        update(viewer, "A1", 1, id: "v")
        XCTAssertEqual(viewer.expect("error")?["code"] as? String, "PERMISSION_DENIED")
        let outsider = try TestClient(port: server.port, token: Tokens.make(user: "out"))
        XCTAssertNotNil(outsider.expect("connection_established"))
        update(outsider, "A1", 1, id: "o")
        XCTAssertEqual(outsider.expect("error")?["code"] as? String, "NOT_IN_ROOM")
        outsider.send(["type": "cell_update", "sheet_id": "no-such-sheet", "cell_id": "A1", "value": 1])
        XCTAssertEqual(outsider.expect("error")?["code"] as? String, "SHEET_NOT_FOUND")
    }

    func testInvalidCellsAreRefusedAndNothingIsWritten() throws {
        let alice = try join("alice")
        let bad: [([String: Any], String)] = [
            (["cell_id": "a1", "value": 1], "cell_id"), (["cell_id": "A0", "value": 1], "cell_id"),
            (["cell_id": "AAAA1", "value": 1], "cell_id"), (["cell_id": "A12345678", "value": 1], "cell_id"),
            (["cell_id": 5, "value": 1], "cell_id"), (["value": 1], "cell_id"), (["cell_id": "A1"], "value"),
            (["cell_id": "A1", "value": ["x": 1]], "value"), (["cell_id": "A1", "value": [1, 2]], "value"),
            (["cell_id": "A1", "value": String(repeating: "x", count: 33 * 1024)], "value"),
            (["cell_id": "A1", "value": 1, "formula": "SUM(A1)"], "formula"),
            (["cell_id": "A1", "value": 1, "formula": 7], "formula"),
            (["cell_id": "A1", "value": 1, "version": -1], "version"), (["cell_id": "A1", "value": 1, "version": 1.5], "version"),
            (["cell_id": "A1", "value": 1, "version": "1"], "version"),
        ]
        for (fields, field) in bad {
            var message = fields
            message["type"] = "cell_update"
            message["sheet_id"] = "demo-sheet"
            alice.send(message)
            let error = try XCTUnwrap(alice.expect("error"), "\(fields)")
            XCTAssertEqual(error["code"] as? String, "INVALID_MESSAGE", "\(fields)")
            XCTAssertTrue((error["error"] as? String ?? "").contains(field), "\(error) should name \(field)")
        }
        alice.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet"])
        let state = try XCTUnwrap(alice.expect("sheet_state"))
        let cells = try XCTUnwrap(state["cells"] as? [[String: Any]])
        XCTAssertFalse(cells.contains { $0["cell_id"] as? String == "A1" && ($0["version"] as? Int ?? 0) > 1 })
    }

    func testTwentyClientsRacingOnOneCellYieldExactlyOneWinner() throws {
        let clients = try (0..<20).map { try join("racer\($0)") }
        // Read the cell's current version first.
        clients[0].send(["type": "sheet_snapshot", "sheet_id": "demo-sheet"])
        let state = try XCTUnwrap(clients[0].expect("sheet_state"))
        let base = (state["cells"] as? [[String: Any]])?.first { $0["cell_id"] as? String == "R7" }?["version"] as? Int ?? 0
        for (i, client) in clients.enumerated() { update(client, "R7", "from-\(i)", version: base, id: "race-\(i)") }
        var winners: [String] = []
        var conflicts = 0
        for (i, client) in clients.enumerated() {
            // Each client's own answer carries its request_id: the broadcast of its win, or its conflict.
            var mine: [String: Any]?
            let deadline = Date().addingTimeInterval(5)
            while mine == nil, let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) {
                if message["request_id"] as? String == "race-\(i)" { mine = message }
            }
            let reply = try XCTUnwrap(mine)
            if reply["type"] as? String == "cell_updated" {
                winners.append(reply["value"] as? String ?? "")
            } else {
                XCTAssertEqual(reply["code"] as? String, "VERSION_CONFLICT")
                XCTAssertEqual((reply["current"] as? [String: Any])?["version"] as? Int, base + 1)
                conflicts += 1
            }
        }
        XCTAssertEqual(winners.count, 1)
        XCTAssertEqual(conflicts, 19)
        clients[5].send(["type": "sheet_snapshot", "sheet_id": "demo-sheet"])
        let after = try XCTUnwrap(clients[5].expect("sheet_state"))
        let cell = (after["cells"] as? [[String: Any]])?.first { $0["cell_id"] as? String == "R7" }
        XCTAssertEqual(cell?["value"] as? String, winners.first)
        XCTAssertEqual(cell?["version"] as? Int, base + 1)
    }

    func testBatchWithOneStaleCellWritesNothing() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        update(alice, "K1", "old", version: 0, id: "k1")
        XCTAssertNotNil(alice.expect("cell_updated"))
        XCTAssertNotNil(bob.expect("cell_updated"))
        alice.send(["type": "cells_update", "sheet_id": "demo-sheet", "request_id": "paste",
                    "updates": [["cell_id": "K2", "value": 1, "version": 0], ["cell_id": "K1", "value": "new", "version": 0],
                                ["cell_id": "K3", "value": 3]]])
        let conflict = try XCTUnwrap(alice.expect("error"))
        XCTAssertEqual(conflict["code"] as? String, "VERSION_CONFLICT")
        let conflicts = try XCTUnwrap(conflict["conflicts"] as? [[String: Any]])
        XCTAssertEqual(conflicts.map { $0["cell_id"] as? String }, ["K1"])
        XCTAssertEqual((conflicts[0]["current"] as? [String: Any])?["value"] as? String, "old")
        XCTAssertTrue(bob.receivesNo("cells_updated", within: 0.3))
        alice.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet"])
        let cells = try XCTUnwrap(alice.expect("sheet_state")?["cells"] as? [[String: Any]])
        XCTAssertFalse(cells.contains { ["K2", "K3"].contains($0["cell_id"] as? String ?? "") })
        // The same batch with the right version applies whole, one seq per cell.
        alice.send(["type": "cells_update", "sheet_id": "demo-sheet", "request_id": "paste2",
                    "updates": [["cell_id": "K2", "value": 1, "version": 0], ["cell_id": "K1", "value": "new", "version": 1],
                                ["cell_id": "K3", "value": 3]]])
        let applied = try XCTUnwrap(bob.expect("cells_updated"))
        let appliedCells = try XCTUnwrap(applied["cells"] as? [[String: Any]])
        XCTAssertEqual(appliedCells.map { $0["cell_id"] as? String }, ["K2", "K1", "K3"])
        let seqs = appliedCells.compactMap { $0["seq"] as? Int }
        XCTAssertEqual(seqs, [seqs[0], seqs[0] + 1, seqs[0] + 2])
        XCTAssertEqual(appliedCells[1]["version"] as? Int, 2)
        XCTAssertEqual(applied["request_id"] as? String, "paste2")
    }

    func testBatchLimitsAndDuplicatesAreRefused() throws {
        let alice = try join("alice")
        let big = (1...1001).map { ["cell_id": "A\($0)", "value": $0] as [String: Any] }
        alice.send(["type": "cells_update", "sheet_id": "demo-sheet", "updates": big])
        XCTAssertEqual(alice.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        alice.send(["type": "cells_update", "sheet_id": "demo-sheet",
                    "updates": [["cell_id": "B1", "value": 1], ["cell_id": "B1", "value": 2]]])
        XCTAssertEqual(alice.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        alice.send(["type": "cells_update", "sheet_id": "demo-sheet", "updates": []])
        XCTAssertEqual(alice.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        let thousand = (1...1000).map { ["cell_id": "Q\($0)", "value": $0] as [String: Any] }
        alice.send(["type": "cells_update", "sheet_id": "demo-sheet", "updates": thousand])
        XCTAssertEqual((alice.expect("cells_updated")?["cells"] as? [Any])?.count, 1000)
    }

    func testReconnectAndSyncRecoversEveryMissedUpdateInOrder() throws {
        let reader = try join("reader")
        update(reader, "S1", 0, id: "first")
        let first = try XCTUnwrap(reader.expect("cell_updated"))
        let lastSeen = try XCTUnwrap(first["seq"] as? Int)
        reader.close()
        let writer = try join("writer")
        for i in 1...100 {
            update(writer, "S\(i % 7 + 2)", i, id: "w\(i)")
            XCTAssertNotNil(writer.expect("cell_updated"))
        }
        let back = try join("reader")
        back.send(["type": "sync", "sheet_id": "demo-sheet", "since_seq": lastSeen, "request_id": "sync-1"])
        var replayed: [[String: Any]] = []
        var complete: [String: Any]?
        while complete == nil, let message = back.nextMessage(timeout: 5) {
            switch message["type"] as? String {
            case "cell_updated": replayed.append(message)
            case "sync_complete": complete = message
            default: continue
            }
        }
        XCTAssertEqual(replayed.count, 100)
        XCTAssertEqual(replayed.compactMap { $0["seq"] as? Int }, Array((lastSeen + 1)...(lastSeen + 100)))
        XCTAssertEqual(replayed.compactMap { $0["value"] as? Int }, Array(1...100))
        XCTAssertEqual(complete?["seq"] as? Int, lastSeen + 100)
        XCTAssertEqual(complete?["request_id"] as? String, "sync-1")
        back.send(["type": "sync", "sheet_id": "demo-sheet", "since_seq": lastSeen + 100])
        XCTAssertEqual(back.expect("sync_complete")?["seq"] as? Int, lastSeen + 100)
        back.send(["type": "sync", "sheet_id": "demo-sheet", "since_seq": lastSeen + 1000])
        XCTAssertEqual(back.expect("sheet_state")?["seq"] as? Int, lastSeen + 100, "a seq from the future gets the state")
    }

    func testSnapshotHasEveryCellWithVersions() throws {
        let alice = try join("alice")
        alice.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet", "request_id": "snap"])
        let state = try XCTUnwrap(alice.expect("sheet_state"))
        XCTAssertEqual(state["request_id"] as? String, "snap")
        let cells = try XCTUnwrap(state["cells"] as? [[String: Any]])
        XCTAssertFalse(cells.isEmpty, "the seed has numeric cells")
        for cell in cells {
            XCTAssertNotNil(cell["cell_id"] as? String)
            XCTAssertNotNil(cell["version"] as? Int)
            XCTAssertTrue(cell.keys.contains("value") && cell.keys.contains("formula") && cell.keys.contains("updated_by"))
        }
        XCTAssertNotNil(state["seq"] as? Int)
    }
}
