import Foundation
import XCTest

/// Rooms, presence and live signals (SPEC §4) with several real clients.
final class PresenceEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["TYPING_TIMEOUT": "1", "WEBSOCKET_CURSOR_RATE": "5"])
    }

    override func tearDown() {
        server.stop()
    }

    func join(_ user: String, room: String = "demo", role: String = "editor", rooms: [String]? = nil) throws -> TestClient {
        let client = try TestClient(port: server.port, token: Tokens.make(user: user, role: role, rooms: rooms))
        XCTAssertNotNil(client.expect("connection_established"))
        client.send(["type": "join_room", "room_id": room, "request_id": "join-\(user)"])
        let state = client.expect("room_state")
        XCTAssertEqual(state?["request_id"] as? String, "join-\(user)")
        return client
    }

    func testJoinSendsRoomStateToTheJoinerAndUserJoinedToOthers() throws {
        let alice = try join("alice")
        let bob = try TestClient(port: server.port, token: Tokens.make(user: "bob"))
        XCTAssertNotNil(bob.expect("connection_established"))
        bob.send(["type": "join_room", "room_id": "demo"])
        let state = try XCTUnwrap(bob.expect("room_state"))
        XCTAssertEqual(state["room_id"] as? String, "demo")
        XCTAssertEqual(state["total_users"] as? Int, 2)
        let users = try XCTUnwrap(state["users"] as? [[String: Any]])
        XCTAssertEqual(users.map { $0["user_id"] as? String }, ["alice", "bob"])
        XCTAssertEqual(users[1]["status"] as? String, "online")
        XCTAssertEqual(users[1]["email"] as? String, "bob@example.com")
        XCTAssertEqual(users[1]["room"] as? String, "demo")
        XCTAssertNotNil(users[1]["last_seen"] as? String)
        XCTAssertEqual(state["active_sheets"] as? [String], ["demo-sheet"])
        let joined = try XCTUnwrap(alice.expect("user_joined"))
        XCTAssertEqual((joined["user"] as? [String: Any])?["user_id"] as? String, "bob")
        XCTAssertEqual(joined["total_users"] as? Int, 2)
        XCTAssertEqual(joined["room_id"] as? String, "demo")
    }

    func testUnknownRoomAndRoomsOutsideTheTokenAreRefused() throws {
        let client = try TestClient(port: server.port, token: Tokens.make(user: "carol", rooms: ["other"]))
        XCTAssertNotNil(client.expect("connection_established"))
        client.send(["type": "join_room", "room_id": "nope", "request_id": "1"])
        let missing = client.expect("error")
        XCTAssertEqual(missing?["code"] as? String, "ROOM_NOT_FOUND")
        XCTAssertEqual(missing?["request_id"] as? String, "1")
        client.send(["type": "join_room", "room_id": "demo"])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "PERMISSION_DENIED")
        client.send(["type": "join_room"])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        client.send(["type": "join_room", "room_id": 12])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        client.send(["type": "leave_room", "room_id": "demo"])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "NOT_IN_ROOM")
        let allowed = try join("dave", rooms: ["demo"])
        allowed.send(["type": "ping"])
        XCTAssertNotNil(allowed.expect("pong"))
    }

    func testTwoTabsOfOneUserAreOnePresence() throws {
        let watcher = try join("watcher")
        let tab1 = try join("erin")
        XCTAssertNotNil(watcher.expect("user_joined"))
        let tab2 = try TestClient(port: server.port, token: Tokens.make(user: "erin"))
        XCTAssertNotNil(tab2.expect("connection_established"))
        tab2.send(["type": "join_room", "room_id": "demo"])
        let state = try XCTUnwrap(tab2.expect("room_state"))
        XCTAssertEqual(state["total_users"] as? Int, 2)
        XCTAssertTrue(watcher.receivesNo("user_joined", within: 0.3), "a second tab is not a new presence")
        tab1.close()
        XCTAssertTrue(watcher.receivesNo("user_left", within: 0.5), "erin still has a tab open")
        tab2.sendClose()
        let left = try XCTUnwrap(watcher.expect("user_left"))
        XCTAssertEqual(left["user_id"] as? String, "erin")
        XCTAssertEqual(left["total_users"] as? Int, 1)
    }

    func testLeaveRoomAnswersRoomLeftAndTellsOthers() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        XCTAssertNotNil(alice.expect("user_joined"))
        bob.send(["type": "leave_room", "room_id": "demo", "request_id": "bye"])
        let leftAck = bob.expect("room_left")
        XCTAssertEqual(leftAck?["room_id"] as? String, "demo")
        XCTAssertEqual(leftAck?["request_id"] as? String, "bye")
        XCTAssertEqual(alice.expect("user_left")?["user_id"] as? String, "bob")
    }

    func testAbruptDisconnectLeavesNoGhostPresenceCursorOrTyping() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        XCTAssertNotNil(alice.expect("user_joined"))
        bob.send(["type": "cursor_move", "room": "demo", "x": 10, "y": 20, "cell": "B3"])
        XCTAssertNotNil(alice.expect("cursor_moved"))
        bob.send(["type": "typing_start", "room": "demo", "cell_id": "B3"])
        XCTAssertNotNil(alice.expect("user_typing_start"))
        bob.close()  // TCP goes away without a close frame
        let stop = try XCTUnwrap(alice.expect("user_typing_stop"))
        XCTAssertEqual(stop["cell_id"] as? String, "B3")
        XCTAssertEqual(alice.expect("user_left")?["user_id"] as? String, "bob")
        let carol = try join("carol")
        defer { carol.close() }
        alice.send(["type": "join_room", "room_id": "demo", "request_id": "again"])
        let again = try XCTUnwrap(alice.expect("room_state"))
        let users = (again["users"] as? [[String: Any]] ?? []).compactMap { $0["user_id"] as? String }
        XCTAssertEqual(users.sorted(), ["alice", "carol"])
    }

    func testCursorMoveIsRelayedToOthersWithMetaUnchanged() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        XCTAssertNotNil(alice.expect("user_joined"))
        alice.send(["type": "cursor_move", "room": "demo", "x": 150, "y": 300.5, "cell": "B2", "sheet_id": "demo-sheet",
                    "meta": ["sid": 3, "seq": 41, "ts": 123_456_789_012, "note": "é"]])
        let moved = try XCTUnwrap(bob.expect("cursor_moved"))
        XCTAssertEqual(moved["user_id"] as? String, "alice")
        XCTAssertEqual(moved["username"] as? String, "alice")
        XCTAssertEqual(moved["room"] as? String, "demo")
        let cursor = try XCTUnwrap(moved["cursor"] as? [String: Any])
        XCTAssertEqual(cursor["x"] as? Double, 150)
        XCTAssertEqual(cursor["y"] as? Double, 300.5)
        XCTAssertEqual(cursor["cell"] as? String, "B2")
        XCTAssertEqual(cursor["sheet_id"] as? String, "demo-sheet")
        let meta = try XCTUnwrap(moved["meta"] as? [String: Any])
        XCTAssertEqual(meta["seq"] as? Int, 41)
        XCTAssertEqual(meta["ts"] as? Int, 123_456_789_012)
        XCTAssertEqual(meta["note"] as? String, "é")
        XCTAssertTrue(alice.receivesNo("cursor_moved", within: 0.3), "the sender does not hear its own cursor")
        alice.send(["type": "cursor_move", "room": "demo", "x": 1, "y": 1, "cell": "A1",
                    "meta": ["pad": String(repeating: "x", count: 300)]])
        XCTAssertEqual(alice.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        alice.send(["type": "cursor_move", "room": "elsewhere", "x": 1, "y": 1, "cell": "A1"])
        XCTAssertEqual(alice.expect("error")?["code"] as? String, "NOT_IN_ROOM")
        alice.send(["type": "cursor_move", "room": "demo", "x": "1", "y": 1, "cell": "A1"])
        XCTAssertTrue((alice.expect("error")?["error"] as? String ?? "").contains("'x'"))
    }

    func testCursorMessagesPastTheRateAreDroppedSilently() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        XCTAssertNotNil(alice.expect("user_joined"))
        for i in 0..<12 {
            alice.send(["type": "cursor_move", "room": "demo", "x": i, "y": 0, "cell": "A1"])
        }
        var relayed = 0
        while bob.nextMessage(timeout: 0.5)?["type"] as? String == "cursor_moved" { relayed += 1 }
        XCTAssertEqual(relayed, 5, "WEBSOCKET_CURSOR_RATE=5 per second")
        XCTAssertTrue(alice.receivesNo("error", within: 0.2), "dropped silently")
    }

    func testTypingIndicatorsStartStopAndExpire() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        XCTAssertNotNil(alice.expect("user_joined"))
        alice.send(["type": "typing_start", "room": "demo", "cell_id": "C3"])
        let start = try XCTUnwrap(bob.expect("user_typing_start"))
        XCTAssertEqual(start["user_id"] as? String, "alice")
        XCTAssertEqual(start["cell_id"] as? String, "C3")
        alice.send(["type": "typing_stop", "room": "demo", "cell_id": "C3"])
        XCTAssertEqual(bob.expect("user_typing_stop")?["cell_id"] as? String, "C3")
        alice.send(["type": "typing_start", "room": "demo", "cell_id": "D4"])
        XCTAssertNotNil(bob.expect("user_typing_start"))
        let started = Date()
        let expired = try XCTUnwrap(bob.expect("user_typing_stop", timeout: 3))
        XCTAssertEqual(expired["cell_id"] as? String, "D4")
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 0.8, "TYPING_TIMEOUT=1 s")
    }

    func testStatusUpdateReachesTheRoomsOfTheUser() throws {
        let alice = try join("alice")
        let bob = try join("bob")
        XCTAssertNotNil(alice.expect("user_joined"))
        bob.send(["type": "status_update", "status": "busy"])
        let changed = try XCTUnwrap(alice.expect("user_status_changed"))
        XCTAssertEqual(changed["user_id"] as? String, "bob")
        XCTAssertEqual(changed["status"] as? String, "busy")
        alice.send(["type": "join_room", "room_id": "demo"])
        let users = try XCTUnwrap(alice.expect("room_state")?["users"] as? [[String: Any]])
        XCTAssertEqual(users.first { $0["user_id"] as? String == "bob" }?["status"] as? String, "busy")
        bob.send(["type": "status_update", "status": "sleeping"])
        XCTAssertEqual(bob.expect("error")?["code"] as? String, "INVALID_MESSAGE")
    }
}
