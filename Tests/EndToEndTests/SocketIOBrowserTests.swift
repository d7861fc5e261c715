import Foundation
import XCTest

/// socket.io-client 4.8.1, the official JavaScript client, in headless Chromium against the real
/// server (SPEC §12), from a page on another origin so polling goes through CORS. Each flow runs
/// in the three ways a browser connects: long-polling only, WebSocket only, and the default
/// (polling, then upgraded). One browser and one server serve the whole file.
final class SocketIOBrowserTests: XCTestCase {
    private static let shared = SharedHarness()

    override class func tearDown() {
        shared.stop()
        super.tearDown()
    }

    // MARK: Join, edit, hear, conflict, refusals, disconnect and reconnect

    func testLongPollingClientJoinsEditsIsRefusedAndReconnects() throws {
        try checkBasicFlow(mode: "polling")
    }

    func testWebSocketClientJoinsEditsIsRefusedAndReconnects() throws {
        try checkBasicFlow(mode: "websocket")
    }

    func testDefaultClientUpgradesToWebSocketJoinsEditsIsRefusedAndReconnects() throws {
        try checkBasicFlow(mode: "default")
    }

    // MARK: Connection state recovery

    func testLongPollingClientRecoversEveryUpdateMissedWhileItsTransportWasDown() throws {
        try checkRecovery(mode: "polling")
    }

    func testWebSocketClientRecoversEveryUpdateMissedWhileItsTransportWasDown() throws {
        try checkRecovery(mode: "websocket")
    }

    func testUpgradedClientRecoversEveryUpdateMissedWhileItsTransportWasDown() throws {
        try checkRecovery(mode: "default")
    }

    // MARK: Flows

    private func checkBasicFlow(mode: String) throws {
        let harness = try Self.shared.harness()
        let run = try FlowRun(flow: "basic", mode: mode, harness: harness)
        let r = run.result
        let (ann, bob) = (run.userA, run.userB)
        XCTAssertEqual(harness.clientBanner, "Socket.IO v4.8.1")

        XCTAssertEqual(r.bool("a_connect", "ok"), true, "\(r["a_connect"] ?? "-")")
        XCTAssertEqual(r.string("a_join", "reply", "type"), "room_state")
        XCTAssertEqual(r.string("a_join", "reply", "room_id"), run.room)
        XCTAssertEqual(r.value("a_join", "reply", "active_sheets") as? [String], [run.sheet])
        XCTAssertEqual(r.int("a_join", "reply", "total_users"), 1)
        XCTAssertEqual(r.string("b_join", "reply", "type"), "room_state")
        XCTAssertEqual(r.int("b_join", "reply", "total_users"), 2)
        // Events carry the recovery offset as an extra last argument, a string (SPEC §12).
        XCTAssertEqual(r.string("a_heard_b_join", "message", "user", "user_id"), bob, "\(r["a_heard_b_join"] ?? "-")")
        XCTAssertEqual(r.int("a_heard_b_join", "argc"), 2)
        XCTAssertNotNil(r.string("a_heard_b_join", "offset").flatMap { UInt64($0) })
        if mode == "default" {
            XCTAssertEqual(r.string("a_upgraded", "transport"), "websocket", trace(r))
            XCTAssertEqual(r.string("b_upgraded", "transport"), "websocket", trace(r))
        }

        // The edit's ack is the sender's cell_updated; the other page hears it as an event.
        XCTAssertEqual(r.string("edit", "reply", "type"), "cell_updated", "\(r["edit"] ?? "-")")
        XCTAssertEqual(r.int("edit", "reply", "version"), 1)
        XCTAssertEqual(r.int("edit", "reply", "seq"), 1)
        XCTAssertEqual(r.int("edit", "reply", "value"), 42)
        XCTAssertEqual(r.string("edit", "reply", "user_id"), ann)
        XCTAssertEqual(r.string("b_heard_edit", "message", "type"), "cell_updated", "\(r["b_heard_edit"] ?? "-")")
        XCTAssertEqual(r.string("b_heard_edit", "message", "cell_id"), "B2")
        XCTAssertEqual(r.int("b_heard_edit", "message", "seq"), 1)
        XCTAssertEqual(r.int("b_heard_edit", "message", "version"), 1)
        XCTAssertEqual(r.int("b_heard_edit", "message", "value"), 42)
        XCTAssertEqual(r.string("b_heard_edit", "message", "user_id"), ann)
        // B's pending ack with the same number as A's edit ack is not answered by A's edit.
        XCTAssertEqual((r["b_stray_acks"] as? [Any])?.count, 0, "\(r["b_stray_acks"] ?? "-")")

        // A stale version: the ack is the error, with the cell as it is.
        XCTAssertEqual(r.string("conflict", "reply", "type"), "error", "\(r["conflict"] ?? "-")")
        XCTAssertEqual(r.string("conflict", "reply", "code"), "VERSION_CONFLICT")
        XCTAssertEqual(r.int("conflict", "reply", "current", "version"), 1)
        XCTAssertEqual(r.int("conflict", "reply", "current", "value"), 42)
        XCTAssertEqual(r.string("conflict", "reply", "current", "updated_by"), ann)

        XCTAssertEqual(r.bool("bad_token", "ok"), false)
        XCTAssertEqual(r.string("bad_token", "message"), "AUTHENTICATION_FAILED", "\(r["bad_token"] ?? "-")")
        XCTAssertEqual(r.string("bad_token", "data", "code"), "AUTHENTICATION_FAILED")

        // A page from an origin the server does not allow. Over WebSocket (no CORS) the server
        // refuses the CONNECT itself; over polling the browser withholds the handshake answer,
        // which carries no CORS headers, so the client only sees a failed request.
        XCTAssertEqual(r.bool("denied_origin", "ok"), false)
        if mode == "websocket" {
            XCTAssertEqual(r.string("denied_origin", "message"), "PERMISSION_DENIED", "\(r["denied_origin"] ?? "-")")
            XCTAssertEqual(r.string("denied_origin", "data", "code"), "PERMISSION_DENIED")
        } else {
            XCTAssertEqual(r.string("denied_origin", "message"), "xhr poll error", "\(r["denied_origin"] ?? "-")")
        }

        // A client-side disconnect ends the session: the others hear the user leave, and a new
        // session (not a recovered one) must join again.
        XCTAssertEqual(r.bool("a_disconnect", "connected"), false)
        XCTAssertEqual(r.value("a_disconnect", "reasons") as? [String], ["io client disconnect"])
        XCTAssertEqual(r.string("b_heard_a_leave", "message", "user_id"), ann, "\(r["b_heard_a_leave"] ?? "-")")
        XCTAssertEqual(r.int("b_heard_a_leave", "message", "total_users"), 1)
        XCTAssertEqual(r.bool("a_reconnect", "ok"), true, "\(r["a_reconnect"] ?? "-")")
        XCTAssertEqual(r.bool("a_reconnect", "recovered"), false)
        XCTAssertNotEqual(r.string("a_reconnect", "id"), r.string("a_connect", "id"))
        XCTAssertEqual(r.string("a_rejoin", "reply", "type"), "room_state")
        XCTAssertEqual(r.int("a_rejoin", "reply", "total_users"), 2)
        XCTAssertEqual(r.string("b_heard_a_rejoin", "message", "user", "user_id"), ann)

        let transport = mode == "polling" ? "polling" : "websocket"
        XCTAssertEqual(r.string("a_final", "transport"), transport, trace(r))
        XCTAssertEqual(r.string("b_final", "transport"), transport, trace(r))
        XCTAssertEqual(r.bool("b_final", "connected"), true)
    }

    private func checkRecovery(mode: String) throws {
        let harness = try Self.shared.harness()
        let run = try FlowRun(flow: "recovery", mode: mode, harness: harness)
        let r = run.result
        XCTAssertEqual(r.string("a_join", "reply", "type"), "room_state", "\(r["a_join"] ?? "-")")
        XCTAssertEqual(r.string("b_join", "reply", "type"), "room_state", "\(r["b_join"] ?? "-")")
        if mode == "default" { XCTAssertEqual(r.string("a_upgraded", "transport"), "websocket", trace(r)) }
        XCTAssertEqual(r.int("before", "reply", "seq"), 1, "\(r["before"] ?? "-")")
        XCTAssertEqual(r.int("a_heard_before", "message", "seq"), 1)

        XCTAssertEqual(r.bool("drop", "connected"), false)
        XCTAssertEqual(r.string("drop", "reason"), "forced close")
        let missed = r["missed"] as? [[String: Any]] ?? []
        XCTAssertEqual(missed.compactMap { ($0["reply"] as? [String: Any])?["seq"] as? Int }, [2, 3, 4, 5, 6], "\(missed)")
        XCTAssertEqual(r.value("a_seqs_while_down") as? [Int], [1], "the page heard nothing while its transport was down")

        // Back with its pid and offset: the same socket id, its room, and exactly what it missed.
        XCTAssertEqual(r.bool("a_reconnect", "ok"), true, "\(r["a_reconnect"] ?? "-")")
        XCTAssertEqual(r.bool("a_reconnect", "recovered"), true, trace(r))
        XCTAssertEqual(r.string("a_reconnect", "id"), r.string("a_before", "id"))
        XCTAssertEqual(r.value("a_seqs_recovered") as? [Int], [1, 2, 3, 4, 5, 6], trace(r))
        XCTAssertEqual(r.int("after", "reply", "seq"), 7)
        XCTAssertEqual(r.value("a_seqs_final") as? [Int], [1, 2, 3, 4, 5, 6, 7], "none missing, none twice, in order")
        XCTAssertEqual(r.string("a_final", "transport"), mode == "polling" ? "polling" : "websocket", trace(r))
    }

    private func trace(_ result: [String: Any]) -> String {
        "page A: \(result["a_trace"] ?? "-"); page B: \(result["b_trace"] ?? "-")"
    }
}

/// One flow of the driver in its own room, sheet and users.
private struct FlowRun {
    let room: String
    let sheet: String
    let userA: String
    let userB: String
    let result: [String: Any]

    init(flow: String, mode: String, harness: BrowserHarness) throws {
        let tag = "\(flow)-\(mode)"
        room = "sio-browser-\(tag)"
        sheet = room + "-sheet"
        userA = "ann-\(tag)"
        userB = "bob-\(tag)"
        let port = harness.server.port
        let madeRoom = try REST.call(port, "POST", "/api/v1/rooms", body: ["room_id": room, "name": room])
        XCTAssertEqual(madeRoom.status, 201)
        let madeSheet = try REST.call(port, "POST", "/api/v1/rooms/\(room)/sheets", body: ["sheet_id": sheet, "name": "Sheet"])
        XCTAssertEqual(madeSheet.status, 201)
        result = try harness.run([
            "cmd": flow, "mode": mode, "server": harness.serverURL, "room": room, "sheet": sheet,
            "users": ["a": userA, "b": userB],
            "tokens": ["a": Tokens.make(user: userA), "b": Tokens.make(user: userB)],
        ])
    }
}

/// The file's one harness, started by the first test that needs it; a failure to start (or a
/// skip) is kept and given to every test.
private final class SharedHarness: @unchecked Sendable {  // every access goes through `lock`
    private let lock = NSLock()
    private var started: Result<BrowserHarness, Error>?

    func harness() throws -> BrowserHarness {
        lock.lock()
        defer { lock.unlock() }
        if started == nil { started = Result { try BrowserHarness() } }
        return try started!.get()
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        if case .success(let harness)? = started { harness.stop() }
        started = nil
    }
}

private extension Dictionary where Key == String, Value == Any {
    /// The value at a path of object keys, or nil.
    func value(_ path: String...) -> Any? { value(path) }

    func value(_ path: [String]) -> Any? {
        var current: Any? = self
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    func string(_ path: String...) -> String? { value(path) as? String }
    func int(_ path: String...) -> Int? { value(path) as? Int }
    func bool(_ path: String...) -> Bool? { value(path) as? Bool }
}
