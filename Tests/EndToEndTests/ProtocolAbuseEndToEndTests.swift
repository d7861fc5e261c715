import Foundation
import GridlineWebSocket
import XCTest

/// Hostile and careless clients (SPEC §3, §4, §6): every refusal is an `error` naming the
/// field, the connection survives unless the transport rules say otherwise, nothing bad is
/// written, and the server keeps serving everyone else.
final class ProtocolAbuseEndToEndTests: XCTestCase {
    var server: ServerProcess!
    private var bystanders = 0

    override func setUpWithError() throws {
        server = try ServerProcess(environment: [
            "WEBSOCKET_REQUESTS_PER_MINUTE": "10000000", "WEBSOCKET_REQUESTS_PER_HOUR": "100000000",
            "WEBSOCKET_CURSOR_RATE": "1000000", "WEBSOCKET_CONNECT_RATE": "100000",
        ])
    }

    override func tearDown() {
        server.stop()
    }

    // MARK: Helpers

    private func connect(_ user: String) throws -> TestClient {
        let client = try TestClient(port: server.port, token: Tokens.make(user: user))
        XCTAssertNotNil(client.expect("connection_established"))
        return client
    }

    private func join(_ user: String) throws -> TestClient {
        let client = try connect(user)
        client.send(["type": "join_room", "room_id": "demo", "request_id": "join"])
        XCTAssertNotNil(client.expect("room_state"))
        return client
    }

    /// The first message carrying `requestID`, skipping everything else, or nil after `timeout`.
    private func reply(to requestID: String, on client: TestClient, timeout: TimeInterval = 5) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0, let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) {
            if message["request_id"] as? String == requestID { return message }
        }
        return nil
    }

    private func assertStillOpen(_ client: TestClient, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        let id = "alive-\(UUID().uuidString.prefix(8))"
        client.send(["type": "ping", "request_id": id])
        XCTAssertEqual(reply(to: id, on: client)?["type"] as? String, "pong", "connection open after \(context)",
                       file: file, line: line)
    }

    /// A new user can still connect, join and edit a cell of their own.
    private func assertServerKeepsServing(_ context: String, file: StaticString = #filePath, line: UInt = #line) {
        bystanders += 1
        let user = "bystander-\(bystanders)"
        guard let client = try? TestClient(port: server.port, token: Tokens.make(user: user)),
              client.expect("connection_established", file: file, line: line) != nil else {
            return XCTFail("no new connection after \(context)", file: file, line: line)
        }
        defer { client.close() }
        client.send(["type": "join_room", "room_id": "demo", "request_id": "j"])
        XCTAssertEqual(reply(to: "j", on: client)?["type"] as? String, "room_state", "join after \(context)", file: file, line: line)
        client.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "ZZ\(bystanders)", "value": user,
                     "request_id": "e"])
        let edit = reply(to: "e", on: client)
        XCTAssertEqual(edit?["type"] as? String, "cell_updated", "edit after \(context): \(edit ?? [:])", file: file, line: line)
        XCTAssertEqual(edit?["value"] as? String, user, file: file, line: line)
    }

    /// Sends `message` with a fresh request_id and asserts an `error` with `code` whose text
    /// names `field`; then that the connection still answers a ping.
    private func assertRefused(_ message: [String: Any], on client: TestClient, code: String = "INVALID_MESSAGE",
                               naming field: String?, file: StaticString = #filePath, line: UInt = #line) {
        var message = message
        let id = "bad-\(UUID().uuidString.prefix(8))"
        message["request_id"] = id
        client.send(message)
        let description = Self.describe(message)
        guard let error = reply(to: id, on: client, timeout: 3) else {
            return XCTFail("no answer to \(description)", file: file, line: line)
        }
        XCTAssertEqual(error["type"] as? String, "error", description, file: file, line: line)
        XCTAssertEqual(error["code"] as? String, code, "\(description) → \(error["error"] ?? "")", file: file, line: line)
        if let field {
            let text = error["error"] as? String ?? ""
            XCTAssertTrue(text.contains(field), "\(description): '\(text)' should name \(field)", file: file, line: line)
        }
        XCTAssertNotNil(error["recoverable"] as? Bool, file: file, line: line)
        XCTAssertNotNil(error["timestamp"] as? String, file: file, line: line)
        assertStillOpen(client, description, file: file, line: line)
    }

    private static func describe(_ message: [String: Any]) -> String {
        var copy = message
        copy["request_id"] = nil
        let data = (try? JSONSerialization.data(withJSONObject: copy, options: [.sortedKeys])) ?? Data()
        return String(decoding: data.prefix(200), as: UTF8.self)
    }

    private func snapshot(_ client: TestClient) throws -> (seq: Int, cells: [String: [String: Any]]) {
        client.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet", "request_id": "snapshot"])
        let state = try XCTUnwrap(reply(to: "snapshot", on: client, timeout: 10))
        XCTAssertEqual(state["type"] as? String, "sheet_state")
        var cells: [String: [String: Any]] = [:]
        for cell in state["cells"] as? [[String: Any]] ?? [] {
            if let id = cell["cell_id"] as? String { cells[id] = cell }
        }
        return (try XCTUnwrap(state["seq"] as? Int), cells)
    }

    // MARK: Wrong types and missing fields

    /// Valid messages of every type implemented today, with the values each field must not take.
    private static var wrongTypes: [(base: [String: Any], field: String, wrong: [Any])] {
        let notString: [Any] = [12, 1.5, true, [1], ["a": 1], ""]
        let notNumber: [Any] = ["1", true, [1], ["a": 1]]
        let notCount: [Any] = ["1", 1.5, true, -1, [1], ["a": 1]]
        let cursor: [String: Any] = ["type": "cursor_move", "room": "demo", "x": 1, "y": 2, "cell": "A1",
                                     "sheet_id": "demo-sheet", "meta": ["k": 1]]
        let cell: [String: Any] = ["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "P1", "value": 1,
                                   "formula": "=1", "version": 0]
        let batch: [String: Any] = ["type": "cells_update", "sheet_id": "demo-sheet", "updates": [["cell_id": "P2", "value": 1]]]
        var cases: [(base: [String: Any], field: String, wrong: [Any])] = [
            (["type": "join_room", "room_id": "demo"], "room_id", notString),
            (["type": "leave_room", "room_id": "demo"], "room_id", notString),
            (cursor, "room", notString), (cursor, "x", notNumber), (cursor, "y", notNumber),
            (cursor, "cell", notString + ["a1", "A0"]), (cursor, "sheet_id", notString), (cursor, "meta", [1, "m", true, [1]]),
            (["type": "status_update", "status": "away"], "status", notString + ["sleeping"]),
            (cell, "sheet_id", notString), (cell, "cell_id", notString + ["a1", "A0", "AAAA1"]),
            (cell, "value", [[1], ["a": 1]]), (cell, "formula", [5, true, [1], ["a": 1], "SUM(A1)"]),
            (cell, "version", notCount),
            (batch, "sheet_id", notString), (batch, "updates", ["x", 5, true, ["a": 1], [Any]()]),
            (["type": "sheet_snapshot", "sheet_id": "demo-sheet"], "sheet_id", notString),
            (["type": "sync", "sheet_id": "demo-sheet", "since_seq": 0], "sheet_id", notString),
            (["type": "sync", "sheet_id": "demo-sheet", "since_seq": 0], "since_seq", notCount),
        ]
        for typing in ["typing_start", "typing_stop"] {
            let base: [String: Any] = ["type": typing, "room": "demo", "cell_id": "A1"]
            cases += [(base, "room", notString), (base, "cell_id", notString + ["a1"])]
        }
        return cases
    }

    func testWrongTypesInEveryFieldAreInvalidMessagesNamingTheFieldAndTheConnectionStaysOpen() throws {
        let client = try join("mallory")
        var sent = 0
        for (base, field, wrong) in Self.wrongTypes {
            for value in wrong {
                var message = base
                message[field] = value
                assertRefused(message, on: client, naming: field)
                sent += 1
            }
        }
        // Entries of a batch are checked one by one, field by field.
        for entry in [5, "x", [1], NSNull()] as [Any] {
            assertRefused(["type": "cells_update", "sheet_id": "demo-sheet", "updates": [entry]], on: client, naming: "updates[0]")
        }
        let entries: [(entry: [String: Any], field: String)] = [
            (["cell_id": 5, "value": 1], "updates[0].cell_id"), (["value": 1], "updates[0].cell_id"),
            (["cell_id": "P3"], "updates[0].value"), (["cell_id": "P3", "value": ["a": 1]], "updates[0].value"),
            (["cell_id": "P3", "value": 1, "formula": 3], "updates[0].formula"),
            (["cell_id": "P3", "value": 1, "version": "2"], "updates[0].version"),
        ]
        for (entry, field) in entries {
            assertRefused(["type": "cells_update", "sheet_id": "demo-sheet", "updates": [entry]], on: client, naming: field)
        }
        // The envelope itself.
        for value in [5, true, [Any](), ["a": 1]] as [Any] {
            client.send(["type": value])
            let error = try XCTUnwrap(client.expect("error"))
            XCTAssertEqual(error["code"] as? String, "INVALID_MESSAGE")
            XCTAssertTrue((error["error"] as? String ?? "").contains("type"), "\(error)")
        }
        for value in [5, true, String(repeating: "r", count: 65)] as [Any] {
            client.send(["type": "ping", "request_id": value])
            let error = try XCTUnwrap(client.expect("error"))
            XCTAssertEqual(error["code"] as? String, "INVALID_MESSAGE")
            XCTAssertTrue((error["error"] as? String ?? "").contains("request_id"), "\(error)")
        }
        for text in ["[]", "\"ping\"", "5", "null", "true"] {
            client.sendText(text)
            XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_MESSAGE", text)
        }
        client.send(["type": "no_such_message", "request_id": "unknown"])
        XCTAssertEqual(reply(to: "unknown", on: client)?["code"] as? String, "UNKNOWN_MESSAGE_TYPE")
        client.sendFrame(.binary, Array(#"{"type":"ping"}"#.utf8))
        XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        assertStillOpen(client, "\(sent) malformed messages")
        let (_, cells) = try snapshot(client)
        XCTAssertTrue(cells["P1"] == nil && cells["P2"] == nil && cells["P3"] == nil, "no malformed edit was written")
        assertServerKeepsServing("wrong types")
    }

    func testMissingRequiredFieldsAreInvalidMessagesNamingTheField() throws {
        let client = try join("mallory")
        let required: [(message: [String: Any], fields: [String])] = [
            (["type": "join_room", "room_id": "demo"], ["room_id"]),
            (["type": "leave_room", "room_id": "demo"], ["room_id"]),
            (["type": "cursor_move", "room": "demo", "x": 1, "y": 2, "cell": "A1"], ["room", "x", "y"]),
            (["type": "typing_start", "room": "demo", "cell_id": "A1"], ["room", "cell_id"]),
            (["type": "typing_stop", "room": "demo", "cell_id": "A1"], ["room", "cell_id"]),
            (["type": "status_update", "status": "busy"], ["status"]),
            (["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "P4", "value": 1], ["sheet_id", "cell_id", "value"]),
            (["type": "cells_update", "sheet_id": "demo-sheet", "updates": [["cell_id": "P5", "value": 1]]], ["sheet_id", "updates"]),
            (["type": "sheet_snapshot", "sheet_id": "demo-sheet"], ["sheet_id"]),
            (["type": "sync", "sheet_id": "demo-sheet", "since_seq": 0], ["sheet_id", "since_seq"]),
        ]
        for (message, fields) in required {
            for field in fields {
                var missing = message
                missing[field] = nil
                assertRefused(missing, on: client, naming: field)
                if field != "value" {  // null is a legal cell value; elsewhere it counts as missing
                    var null = message
                    null[field] = NSNull()
                    assertRefused(null, on: client, naming: field)
                }
            }
        }
        client.send(["request_id": "typeless"])
        let error = try XCTUnwrap(reply(to: "typeless", on: client))
        XCTAssertEqual(error["code"] as? String, "INVALID_MESSAGE")
        XCTAssertTrue((error["error"] as? String ?? "").contains("type"))
        let (_, cells) = try snapshot(client)
        XCTAssertTrue(cells["P4"] == nil && cells["P5"] == nil, "no incomplete edit was written")
        assertServerKeepsServing("missing fields")
    }

    /// SPEC §4 lists `cell` among cursor_move's required fields (only `sheet_id` and `meta` are optional).
    func testCursorMoveWithoutACellIsRefusedNamingTheCell() throws {
        let client = try join("mallory")
        let other = try join("observer")
        assertRefused(["type": "cursor_move", "room": "demo", "x": 1, "y": 2], on: client, naming: "cell")
        XCTAssertTrue(other.receivesNo("cursor_moved", within: 0.3), "a refused cursor is not relayed")
    }

    // MARK: Sizes

    func testOversizedValuesAreRefusedAndOversizedFramesClose1009() throws {
        let client = try join("mallory")
        let other = try join("observer")
        let before = try snapshot(other)
        assertRefused(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "P6",
                       "value": String(repeating: "v", count: 60 * 1024)], on: client, naming: "value")
        assertRefused(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "P6", "value": 1,
                       "formula": "=" + String(repeating: "1", count: 40 * 1024)], on: client, naming: "formula")
        assertRefused(["type": "cells_update", "sheet_id": "demo-sheet",
                       "updates": [["cell_id": "P6", "value": 1], ["cell_id": "P7", "value": String(repeating: "v", count: 33 * 1024)]]],
                      on: client, naming: "updates[1].value")
        // A value exactly at the cap (32 KiB as JSON, quotes included) is fine.
        client.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "P8",
                     "value": String(repeating: "v", count: 32 * 1024 - 2), "request_id": "at-cap"])
        XCTAssertEqual(reply(to: "at-cap", on: client)?["type"] as? String, "cell_updated")
        let after = try snapshot(other)
        XCTAssertEqual(after.seq, before.seq + 1, "only the update at the cap was applied")
        XCTAssertNil(after.cells["P6"])
        XCTAssertNil(after.cells["P7"])

        // A message of exactly 65536 bytes is allowed; one byte more closes 1009.
        let padding = 65536 - Array(#"{"type":"ping","request_id":"edge","pad":""}"#.utf8).count
        client.sendText(#"{"type":"ping","request_id":"edge","pad":""# + String(repeating: "p", count: padding) + #""}"#)
        XCTAssertEqual(reply(to: "edge", on: client)?["type"] as? String, "pong", "a message of exactly 64 KiB")
        client.sendText(#"{"type":"ping","request_id":"over","pad":""# + String(repeating: "p", count: padding + 1) + #""}"#)
        XCTAssertEqual(client.expectClose(), 1009)

        // Fragments that are small alone but too big together.
        let fragmented = try connect("fragmenter")
        let chunk = Array(String(repeating: "f", count: 40 * 1024).utf8)
        fragmented.sendFrame(.text, Array(#"{"type":"ping","pad":""#.utf8), fin: false)
        fragmented.sendFrame(.continuation, chunk, fin: false)
        fragmented.sendFrame(.continuation, chunk, fin: false)
        fragmented.sendFrame(.continuation, Array(#""}"#.utf8), fin: true)
        XCTAssertEqual(fragmented.expectClose(), 1009)
        assertServerKeepsServing("oversized frames")
        assertStillOpen(other, "a neighbour's 1009")
    }

    /// Forty legal cells of 30 KB make a 1.2 MB sheet: a snapshot of it is one reply bigger than
    /// the 1 MiB send-buffer cap, yet the client asked for it and reads it.
    func testSnapshotOfASheetLargerThanTheSendBufferReachesTheClient() throws {
        let writer = try join("writer")
        for row in 1...40 {
            writer.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "AE\(row)",
                         "value": String(repeating: "\(row % 10)", count: 30_000), "request_id": "big\(row)"])
            XCTAssertEqual(reply(to: "big\(row)", on: writer)?["type"] as? String, "cell_updated")
        }
        let reader = try join("reader")
        reader.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet", "request_id": "whole"])
        let state = reply(to: "whole", on: reader, timeout: 10)
        let closed = reader.closeCode.map { "connection closed \($0) \"\(reader.closeReason)\"" } ?? "still open"
        XCTAssertEqual(state?["type"] as? String, "sheet_state", closed)
        XCTAssertEqual((state?["cells"] as? [[String: Any]])?.filter { ($0["cell_id"] as? String)?.hasPrefix("AE") == true }.count,
                       40, closed)
        XCTAssertNil(reader.closeCode, "a client reading its snapshot is not a slow consumer")
        assertServerKeepsServing("a large snapshot")
    }

    // MARK: Unknown targets

    func testUnknownSheetsAndRoomsAreReportedWithoutClosingTheConnection() throws {
        let client = try join("mallory")
        let sheetMessages: [[String: Any]] = [
            ["type": "cell_update", "sheet_id": "no-such-sheet", "cell_id": "A1", "value": 1],
            ["type": "cells_update", "sheet_id": "no-such-sheet", "updates": [["cell_id": "A1", "value": 1]]],
            ["type": "sheet_snapshot", "sheet_id": "no-such-sheet"],
            ["type": "sync", "sheet_id": "no-such-sheet", "since_seq": 0],
            ["type": "cell_update", "sheet_id": String(repeating: "s", count: 100), "cell_id": "A1", "value": 1],
        ]
        for message in sheetMessages { assertRefused(message, on: client, code: "SHEET_NOT_FOUND", naming: nil) }
        assertRefused(["type": "join_room", "room_id": "no-such-room"], on: client, code: "ROOM_NOT_FOUND", naming: nil)
        assertRefused(["type": "join_room", "room_id": "demo-sheet"], on: client, code: "ROOM_NOT_FOUND", naming: nil)
        for message: [String: Any] in [
            ["type": "leave_room", "room_id": "no-such-room"],
            ["type": "cursor_move", "room": "no-such-room", "x": 1, "y": 1, "cell": "A1"],
            ["type": "typing_start", "room": "no-such-room", "cell_id": "A1"],
        ] {
            assertRefused(message, on: client, code: "NOT_IN_ROOM", naming: nil)
        }
        // A real sheet in a room the connection has not joined.
        let outsider = try connect("outsider")
        assertRefused(["type": "sheet_snapshot", "sheet_id": "demo-sheet"], on: outsider, code: "NOT_IN_ROOM", naming: nil)
        assertRefused(["type": "sync", "sheet_id": "demo-sheet", "since_seq": 0], on: outsider, code: "NOT_IN_ROOM", naming: nil)
        assertServerKeepsServing("unknown sheets and rooms")
    }

    // MARK: Batches

    func testThousandCellBatchAppliesAndThousandAndOneCellBatchWritesNothing() throws {
        let client = try join("paster")
        let other = try join("observer")
        let before = try snapshot(other)
        let tooMany = (1...1001).map { ["cell_id": "AC\($0)", "value": $0] as [String: Any] }
        assertRefused(["type": "cells_update", "sheet_id": "demo-sheet", "updates": tooMany], on: client, naming: "updates")
        var oneBad = (1...1000).map { ["cell_id": "AC\($0)", "value": $0] as [String: Any] }
        oneBad[500]["value"] = ["nested": true]
        assertRefused(["type": "cells_update", "sheet_id": "demo-sheet", "updates": oneBad], on: client, naming: "updates[500].value")
        XCTAssertTrue(other.receivesNo("cells_updated", within: 0.3), "a refused batch is not broadcast")
        let untouched = try snapshot(other)
        XCTAssertEqual(untouched.seq, before.seq)
        XCTAssertFalse(untouched.cells.keys.contains { $0.hasPrefix("AC") }, "nothing of a refused batch was written")

        let thousand = (1...1000).map { ["cell_id": "AC\($0)", "value": $0] as [String: Any] }
        client.send(["type": "cells_update", "sheet_id": "demo-sheet", "updates": thousand, "request_id": "paste"])
        let applied = try XCTUnwrap(reply(to: "paste", on: client, timeout: 10))
        XCTAssertEqual(applied["type"] as? String, "cells_updated")
        let cells = try XCTUnwrap(applied["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 1000)
        XCTAssertEqual(cells.compactMap { $0["seq"] as? Int }, Array((before.seq + 1)...(before.seq + 1000)))
        XCTAssertEqual(Set(cells.compactMap { $0["version"] as? Int }), [1])
        let relayed = try XCTUnwrap(other.expect("cells_updated", timeout: 10))
        XCTAssertEqual((relayed["cells"] as? [Any])?.count, 1000)
        let written = try snapshot(other)
        XCTAssertEqual(written.seq, before.seq + 1000)
        XCTAssertEqual(written.cells.keys.filter { $0.hasPrefix("AC") }.count, 1000)
        XCTAssertEqual(written.cells["AC777"]?["value"] as? Int, 777)
        assertServerKeepsServing("large batches")
    }

    // MARK: Join/leave storm

    func testJoinLeaveStormLeavesExactlyTheJoinedClientsAndNoGhostPresences() throws {
        // 30 connections of 25 users (users 0–4 have two tabs), 50 join/leave pairs each. Odd
        // connections end joined, even ones end left; connections 3 and 17 then drop TCP
        // without a close frame.
        let stormers = (0..<30).map { Stormer(index: $0, user: "stormer-\($0 % 25)", endsJoined: $0 % 2 == 1,
                                               dropsAbruptly: [3, 17].contains($0)) }
        let port = server.port
        let observer = PresenceObserver(port: port)
        XCTAssertTrue(observer.started.wait(timeout: .now() + 10) == .success && observer.ready, "observer joined")

        let report = StormReport()
        let done = DispatchGroup()
        let release = DispatchSemaphore(value: 0)
        for stormer in stormers {
            done.enter()
            Thread.detachNewThread {
                Self.storm(stormer, pairs: 50, port: port, report: report, done: done, release: release)
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success, "the storm ends in time")
        for problem in report.problems.prefix(20) { XCTFail(problem) }

        let stillJoined = Set(stormers.filter { $0.endsJoined && !$0.dropsAbruptly }.map(\.user))
        let expected = stillJoined.union(["observer"])
        XCTAssertTrue(observer.waitUntilMembers(are: stillJoined, timeout: 5),
                      "user_joined/user_left replayed by the observer settle on the joined users")
        let auditor = try connect("auditor")
        auditor.send(["type": "join_room", "room_id": "demo", "request_id": "audit"])
        let state = try XCTUnwrap(reply(to: "audit", on: auditor))
        let users = (state["users"] as? [[String: Any]] ?? []).compactMap { $0["user_id"] as? String }
        XCTAssertEqual(users.count, Set(users).count, "one presence per user")
        XCTAssertEqual(Set(users), expected.union(["auditor"]), "room_state shows exactly the joined users")
        XCTAssertEqual(state["total_users"] as? Int, expected.count + 1)
        let seen = observer.finish()
        XCTAssertEqual(seen.members.subtracting(["auditor"]), stillJoined)
        for problem in seen.problems.prefix(20) { XCTFail("observer: \(problem)") }

        // Everyone goes away; the room is left with the auditor alone.
        for _ in stormers { release.signal() }
        var gone = Set<String>()
        let deadline = Date().addingTimeInterval(10)
        while gone.count < expected.count, deadline.timeIntervalSinceNow > 0,
              let message = auditor.nextMessage(timeout: deadline.timeIntervalSinceNow) {
            if message["type"] as? String == "user_left", let user = message["user_id"] as? String { gone.insert(user) }
        }
        XCTAssertEqual(gone, expected, "user_left for every joined user once they disconnect")
        auditor.send(["type": "join_room", "room_id": "demo", "request_id": "final"])
        let final = try XCTUnwrap(reply(to: "final", on: auditor))
        XCTAssertEqual((final["users"] as? [[String: Any]])?.compactMap { $0["user_id"] as? String }, ["auditor"],
                       "no ghost presence after the storm")
        XCTAssertEqual(final["total_users"] as? Int, 1)
        assertServerKeepsServing("a join/leave storm")
    }

    /// One storm connection and how it ends.
    private struct Stormer: Sendable {
        let index: Int
        let user: String
        let endsJoined: Bool
        let dropsAbruptly: Bool
    }

    /// One stormer: `pairs` join/leave round trips, a final join when it ends joined, then
    /// either a TCP drop or a wait (connection open) until released and a clean close.
    /// Sockets are closed only by deinit: an explicit close would close the descriptor twice,
    /// and another thread may own that number by then.
    private static func storm(_ stormer: Stormer, pairs: Int, port: UInt16, report: StormReport, done: DispatchGroup,
                              release: DispatchSemaphore) {
        var left = false
        defer {
            if !left { done.leave() }
        }
        let index = stormer.index
        guard let client = try? TestClient(port: port, token: Tokens.make(user: stormer.user)) else {
            return report.problem("stormer \(index) could not connect")
        }
        func roundTrip(_ type: String, _ id: String, expecting answer: String) -> Bool {
            client.send(["type": type, "room_id": "demo", "request_id": id])
            let deadline = Date().addingTimeInterval(10)
            while deadline.timeIntervalSinceNow > 0, let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) {
                guard message["request_id"] as? String == id else { continue }
                if message["type"] as? String == answer { return true }
                report.problem("stormer \(index) \(id): \(message)")
                return false
            }
            report.problem("stormer \(index) \(id): no \(answer)")
            return false
        }
        for pair in 0..<pairs {
            guard roundTrip("join_room", "j\(pair)", expecting: "room_state"),
                  roundTrip("leave_room", "l\(pair)", expecting: "room_left") else { return }
        }
        if stormer.endsJoined, !roundTrip("join_room", "final", expecting: "room_state") { return }
        if stormer.dropsAbruptly { shutdown(client.socket.fd, Int32(SHUT_RDWR)) }
        left = true
        done.leave()
        _ = release.wait(timeout: .now() + 120)
        if !stormer.dropsAbruptly {
            client.sendClose()
            _ = client.expectClose(timeout: 2)
        }
    }

    // MARK: Malformed JSON and text

    func testDeeplyNestedJSONIsInvalidJSONAndTheServerKeepsServingOthers() throws {
        let client = try join("mallory")
        let nested: [String] = [
            #"{"type":"ping","a":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}",
            String(repeating: #"{"a":"#, count: 200) + "1" + String(repeating: "}", count: 200),
            #"{"type":"cell_update","sheet_id":"demo-sheet","cell_id":"P9","value":"#
                + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}",
            String(repeating: "[", count: 30_000),  // unterminated and deep: must not blow the parser's stack
            #"{"type":"ping","a":"# + String(repeating: "[", count: 30_000),
        ]
        for text in nested {
            client.sendText(text)
            let error = try XCTUnwrap(client.expect("error"), "\(text.prefix(40))… (\(text.utf8.count) bytes)")
            XCTAssertEqual(error["code"] as? String, "INVALID_JSON")
            assertStillOpen(client, "\(text.prefix(40))…")
        }
        for text in [#"{"type":"ping""#, #"{"type":"ping",}"#, "{'type':'ping'}", #"{"type":"ping"} x"#, "", " "] {
            client.sendText(text)
            XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_JSON", "'\(text)'")
        }
        // A lone surrogate escape is not a Unicode scalar: refused, never stored or relayed.
        let other = try join("observer")
        client.sendText(#"{"type":"cell_update","sheet_id":"demo-sheet","cell_id":"P9","value":"\ud800","request_id":"lone"}"#)
        let error = try XCTUnwrap(client.expect("error"))
        XCTAssertTrue(["INVALID_JSON", "INVALID_MESSAGE"].contains(error["code"] as? String ?? ""), "\(error)")
        XCTAssertTrue(other.receivesNo("cell_updated", within: 0.3))
        XCTAssertNil(try snapshot(other).cells["P9"])
        assertStillOpen(client, "malformed JSON")
        assertServerKeepsServing("malformed JSON")
    }

    func testInvalidUTF8InsideAJSONStringClosesWith1007() throws {
        let prefix = Array(#"{"type":"ping","request_id":""#.utf8)
        let suffix = Array(#""}"#.utf8)
        let invalid: [(String, [UInt8])] = [
            ("a truncated two-byte sequence", [0xC3, 0x28]), ("an overlong slash", [0xC0, 0xAF]),
            ("an encoded surrogate", [0xED, 0xA0, 0x80]), ("a code point past U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
            ("a stray continuation byte", [0x80]), ("0xFF", [0xFF]),
        ]
        let other = try join("observer")
        for (name, bytes) in invalid {
            let client = try join("mallory")
            client.sendFrame(.text, prefix + bytes + suffix)
            XCTAssertEqual(client.expectClose(), 1007, name)
            client.sendClose(code: 1007)
            XCTAssertTrue(client.socket.waitForPeerClose(timeout: 3), "\(name): the server closes TCP after 1007")
            assertStillOpen(other, name)
        }
        // Split across fragments: the validator keeps state between them (RFC 6455 §8.1).
        let split = try join("mallory")
        split.sendFrame(.text, prefix + [0xE2, 0x82], fin: false)
        split.sendFrame(.continuation, [0x28] + suffix, fin: true)
        XCTAssertEqual(split.expectClose(), 1007, "invalid sequence across fragments")
        // The same split with a valid euro sign is fine.
        let euro = try join("mallory")
        euro.sendFrame(.text, prefix + [0xE2, 0x82], fin: false)
        euro.sendFrame(.continuation, [0xAC] + suffix, fin: true)
        XCTAssertEqual(euro.expect("pong")?["request_id"] as? String, "€")
        assertServerKeepsServing("invalid UTF-8")
    }

    func testUnusualStringsRoundTripThroughTheStoreUnchanged() throws {
        // Scalar by scalar: Swift's String == would call "e\u{301}" and "é" equal.
        func scalars(_ value: Any?) -> [UInt32]? { (value as? String)?.unicodeScalars.map(\.value) }
        let client = try join("writer")
        let other = try join("observer")
        let values = ["a\u{0}b", "😀 ✓ ß", "\"quoted\" \\ back", "line\nbreak\ttab", "\u{7F}\u{1}", #"{"x":1}"#, "null",
                      "   ", String(repeating: "é", count: 1000), "\u{2028}\u{2029}", "e\u{301} vs é"]
        // (No U+FEFF: the server keeps it, but Foundation's JSON parser drops it on the client side.)
        for (index, value) in values.enumerated() {
            let cell = "AD\(index + 1)"
            client.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": cell, "value": value, "request_id": cell])
            let echoed = try XCTUnwrap(reply(to: cell, on: client))
            XCTAssertEqual(scalars(echoed["value"]), scalars(value), "\(cell) acknowledged unchanged")
            XCTAssertEqual(scalars(other.expect("cell_updated")?["value"]), scalars(value), "\(cell) relayed unchanged")
        }
        let (_, cells) = try snapshot(other)
        for (index, value) in values.enumerated() {
            XCTAssertEqual(scalars(cells["AD\(index + 1)"]?["value"]), scalars(value), "AD\(index + 1) stored unchanged")
        }
        other.send(["type": "sync", "sheet_id": "demo-sheet", "since_seq": 20, "request_id": "replay"])
        var replayed: [String: String] = [:]
        while let message = other.nextMessage(timeout: 5), message["type"] as? String == "cell_updated" {
            if let cell = message["cell_id"] as? String, let value = message["value"] as? String { replayed[cell] = value }
        }
        for (index, value) in values.enumerated() {
            XCTAssertEqual(scalars(replayed["AD\(index + 1)"]), scalars(value), "AD\(index + 1) replayed unchanged")
        }
    }
}

/// What the stormers ran into, gathered for the test thread.
private final class StormReport: @unchecked Sendable {  // `notes` is guarded by `lock`
    private let lock = NSLock()
    private var notes: [String] = []

    func problem(_ text: String) {
        lock.lock()
        notes.append(text)
        lock.unlock()
    }

    var problems: [String] {
        lock.lock()
        defer { lock.unlock() }
        return notes
    }
}

/// A member of `demo` on its own thread that reads every event during a storm (so it is never
/// a slow consumer) and replays user_joined/user_left into a member set, checking `total_users`
/// against it at every step.
private final class PresenceObserver: @unchecked Sendable {  // the state below is guarded by `lock`
    let started = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var isReady = false
    private var stopRequested = false
    private var members: Set<String> = []
    private var notes: [String] = []
    private let stopped = DispatchSemaphore(value: 0)

    init(port: UInt16) {
        Thread.detachNewThread { [self] in run(port: port) }
    }

    var ready: Bool { locked { isReady } }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func run(port: UInt16) {
        defer { stopped.signal() }
        guard let client = try? TestClient(port: port, token: Tokens.make(user: "observer")) else {
            started.signal()
            return
        }
        var state: [String: Any]?
        if client.nextMessage()?["type"] as? String == "connection_established" {
            client.send(["type": "join_room", "room_id": "demo", "request_id": "observe"])
            while state == nil, let message = client.nextMessage() {
                if message["request_id"] as? String == "observe" { state = message }
            }
        }
        let initial = (state?["users"] as? [[String: Any]] ?? []).compactMap { $0["user_id"] as? String }
        locked {
            isReady = state != nil
            members = Set(initial).subtracting(["observer"])
        }
        started.signal()
        guard state != nil else { return }
        let deadline = Date().addingTimeInterval(180)
        while !locked({ stopRequested }), deadline.timeIntervalSinceNow > 0 {
            guard let message = client.nextMessage(timeout: 0.1) else {
                if client.socket.closedByPeer { return locked { notes.append("observer connection closed") } }
                continue
            }
            let type = message["type"] as? String
            guard type == "user_joined" || type == "user_left" else { continue }
            let user = type == "user_joined" ? (message["user"] as? [String: Any])?["user_id"] as? String
                                             : message["user_id"] as? String
            guard let user else {
                locked { notes.append("\(type ?? "?") without a user: \(message)") }
                continue
            }
            locked {
                if type == "user_joined" {
                    if !members.insert(user).inserted { notes.append("user_joined for \(user), already present") }
                } else if members.remove(user) == nil {
                    notes.append("user_left for \(user), who was not present")
                }
                let total = message["total_users"] as? Int
                if total != members.count + 1 {
                    notes.append("\(type ?? "?") \(user): total_users \(total.map(String.init) ?? "nil"), members \(members.count + 1)")
                }
            }
        }
    }

    /// Whether the replayed membership (observer excluded) reaches `expected` within `timeout`.
    func waitUntilMembers(are expected: Set<String>, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            if locked({ members == expected }) { return true }
            usleep(20_000)
        }
        return false
    }

    /// Stops reading (after a short drain) and returns what the observer concluded.
    func finish() -> (members: Set<String>, problems: [String]) {
        Thread.sleep(forTimeInterval: 0.5)
        locked { stopRequested = true }
        _ = stopped.wait(timeout: .now() + 5)
        return locked { (members, notes) }
    }
}
