import Foundation
import XCTest

/// The REST administration API (SPEC §9) against the real server.
final class AdminEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["WEBSOCKET_REQUESTS_PER_MINUTE": "1000"])
    }

    override func tearDown() {
        server.stop()
    }

    func get(_ path: String, token: String? = REST.admin) throws -> RawHTTPResponse {
        try REST.call(server.port, "GET", path, token: token)
    }

    func join(_ user: String, room: String = "demo") throws -> TestClient {
        try TestClient.joined(port: server.port, user: user, room: room)
    }

    func testAdminEndpointsRequireAnAdminToken() throws {
        let adminOnly: [(String, String)] = [
            ("GET", "/api/v1/ws/health"), ("GET", "/api/v1/ws/stats"), ("GET", "/api/v1/ws/stats/detailed"),
            ("GET", "/api/v1/ws/rooms"), ("GET", "/api/v1/rooms"), ("POST", "/api/v1/rooms"), ("GET", "/api/v1/rooms/demo"),
            ("DELETE", "/api/v1/rooms/demo"), ("POST", "/api/v1/rooms/demo/sheets"), ("POST", "/api/v1/ws/rooms/demo/broadcast"),
            ("POST", "/api/v1/ws/users/u/notify"), ("POST", "/api/v1/ws/broadcast/notification"),
            ("DELETE", "/api/v1/ws/connections/c1"), ("POST", "/api/v1/ws/shutdown"),
        ]
        for (method, path) in adminOnly {
            let anonymous = try REST.call(server.port, method, path, token: nil)
            XCTAssertEqual(anonymous.status, 401, "\(method) \(path)")
            XCTAssertEqual(anonymous.json?["code"] as? String, "AUTHENTICATION_FAILED")
            let editor = try REST.call(server.port, method, path, token: Tokens.make(user: "ed"))
            XCTAssertEqual(editor.status, 403, "\(method) \(path)")
            XCTAssertEqual(editor.json?["code"] as? String, "PERMISSION_DENIED")
        }
        XCTAssertEqual(try get("/api/v1/sheets/demo-sheet", token: nil).status, 401)
        XCTAssertEqual(try get("/api/v1/sheets/demo-sheet", token: Tokens.make(user: "ed", role: "viewer")).status, 200)
        XCTAssertEqual(try get("/api/v1/sheets/demo-sheet", token: Tokens.make(user: "ed", rooms: ["x"])).status, 403)
        for open in ["/api/v1/health", "/api/v1/ws/config", "/metrics", "/api/v1/openapi.json", "/"] {
            XCTAssertEqual(try get(open, token: nil).status, 200, open)
        }
    }

    func testStatsCountConnectionsAndMessages() throws {
        let clients = try (0..<3).map { try join("s\($0)") }
        for i in 0..<10 { clients[i % 3].send(["type": "ping", "request_id": "p\(i)"]) }
        for client in clients { while client.nextMessage(timeout: 0.3) != nil {} }
        let stats = try XCTUnwrap(try get("/api/v1/ws/stats").json)
        XCTAssertEqual(stats["total_connections"] as? Int, 3)
        XCTAssertEqual(stats["authenticated_connections"] as? Int, 3)
        XCTAssertEqual(stats["rooms_active"] as? Int, 1)
        XCTAssertNotNil(stats["messages_per_second"] as? Double ?? (stats["messages_per_second"] as? Int).map(Double.init))
        XCTAssertNotNil(stats["uptime_seconds"] as? Int)
        clients[0].send(["type": "nonsense"])
        XCTAssertNotNil(clients[0].expect("error"))
        let detailed = try XCTUnwrap(try get("/api/v1/ws/stats/detailed").json)
        let byType = try XCTUnwrap(detailed["messages_by_type"] as? [String: Int])
        XCTAssertEqual(byType["ping"], 10)
        XCTAssertEqual(byType["join_room"], 3)
        XCTAssertEqual((detailed["errors_by_code"] as? [String: Int])?["UNKNOWN_MESSAGE_TYPE"], 1)
        XCTAssertGreaterThan(detailed["bytes_in"] as? Int ?? 0, 0)
        XCTAssertGreaterThan(detailed["bytes_out"] as? Int ?? 0, 0)
        XCTAssertNotNil((detailed["database"] as? [String: Any])?["commits"] as? Int)
        XCTAssertGreaterThan((detailed["memory"] as? [String: Any])?["rss_bytes"] as? Int ?? 0, 0)
        let health = try XCTUnwrap(try get("/api/v1/ws/health").json)
        XCTAssertEqual(health["status"] as? String, "ok")
        XCTAssertEqual(health["connections"] as? Int, 3)
        XCTAssertNotNil(health["event_loop_lag_ms"])
        let rooms = try XCTUnwrap(try get("/api/v1/ws/rooms").json?["rooms"] as? [[String: Any]])
        XCTAssertEqual(rooms.count, 1)
        XCTAssertEqual(rooms[0]["room_id"] as? String, "demo")
        XCTAssertEqual(rooms[0]["user_count"] as? Int, 3)
        XCTAssertEqual(rooms[0]["active_sheets_count"] as? Int, 1)
    }

    func testDiscoveryReflectsTheSettings() throws {
        server.stop()
        server = try ServerProcess(environment: ["WEBSOCKET_MAX_MESSAGE_BYTES": "12345", "WEBSOCKET_CURSOR_RATE": "17"])
        let config = try XCTUnwrap(try get("/api/v1/ws/config", token: nil).json?["websocket_config"] as? [String: Any])
        XCTAssertEqual((config["endpoints"] as? [String: Any])?["websocket"] as? String, "/api/v1/ws")
        let limits = try XCTUnwrap(config["connection_limits"] as? [String: Any])
        XCTAssertEqual(limits["max_message_bytes"] as? Int, 12345)
        XCTAssertEqual(limits["cursor_rate_per_second"] as? Int, 17)
        XCTAssertNotNil(config["features"] as? [String: Any])
        XCTAssertNotNil(config["version"] as? String)
    }

    func testRoomsAndSheetsCanBeCreatedReadAndDeleted() throws {
        let created = try REST.call(server.port, "POST", "/api/v1/rooms", body: ["room_id": "ops", "name": "Operations"])
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.json?["room_id"] as? String, "ops")
        XCTAssertEqual(created.json?["name"] as? String, "Operations")
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/rooms", body: ["room_id": "ops", "name": "again"]).status, 409)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/rooms", body: ["room_id": "../x", "name": "bad"]).status, 400)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/rooms", body: ["name": 5]).status, 400)
        let generated = try REST.call(server.port, "POST", "/api/v1/rooms", body: ["name": "No id"])
        XCTAssertEqual(generated.status, 201)
        XCTAssertNotNil(generated.json?["room_id"] as? String)
        let sheet = try REST.call(server.port, "POST", "/api/v1/rooms/ops/sheets", body: ["sheet_id": "budget", "name": "Budget"])
        XCTAssertEqual(sheet.status, 201)
        XCTAssertEqual(sheet.json?["room_id"] as? String, "ops")
        XCTAssertEqual(sheet.json?["seq"] as? Int, 0)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/rooms/nope/sheets", body: ["name": "x"]).status, 404)
        let room = try XCTUnwrap(try get("/api/v1/rooms/ops").json)
        XCTAssertEqual((room["sheets"] as? [[String: Any]])?.first?["sheet_id"] as? String, "budget")
        XCTAssertEqual((try get("/api/v1/rooms").json?["rooms"] as? [[String: Any]])?.count, 3)

        // The new room is joinable and its sheet editable.
        let member = try join("mia", room: "ops")
        member.send(["type": "cell_update", "sheet_id": "budget", "cell_id": "A1", "value": 100])
        XCTAssertEqual(member.expect("cell_updated")?["seq"] as? Int, 1)
        let fetched = try XCTUnwrap(try get("/api/v1/sheets/budget", token: Tokens.make(user: "mia")).json)
        XCTAssertEqual(fetched["seq"] as? Int, 1)
        XCTAssertEqual((fetched["cells"] as? [[String: Any]])?.first?["value"] as? Int, 100)

        let deleted = try REST.call(server.port, "DELETE", "/api/v1/rooms/ops")
        XCTAssertEqual(deleted.status, 200)
        XCTAssertEqual(member.expect("room_closed")?["room_id"] as? String, "ops")
        member.send(["type": "cell_update", "sheet_id": "budget", "cell_id": "A1", "value": 1])
        XCTAssertEqual(member.expect("error")?["code"] as? String, "SHEET_NOT_FOUND")
        XCTAssertEqual(try get("/api/v1/rooms/ops").status, 404)
        XCTAssertEqual(try REST.call(server.port, "DELETE", "/api/v1/rooms/ops").status, 404)
        XCTAssertEqual(try get("/api/v1/sheets/budget", token: Tokens.make(user: "mia")).status, 404)
    }

    func testBroadcastNotifyAndDisconnect() throws {
        let a = try join("ann")
        let b = try join("bo")
        let loner = try TestClient(port: server.port, token: Tokens.make(user: "cy"))
        let established = try XCTUnwrap(loner.expect("connection_established"))
        let broadcast = try REST.call(server.port, "POST", "/api/v1/ws/rooms/demo/broadcast",
                                      body: ["type": "system_announcement", "message": "maintenance in 30 minutes"])
        XCTAssertEqual(broadcast.json?["delivered"] as? Int, 2)
        for client in [a, b] {
            XCTAssertEqual(client.expect("system_announcement")?["message"] as? String, "maintenance in 30 minutes")
        }
        XCTAssertTrue(loner.receivesNo("system_announcement", within: 0.2))
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/rooms/demo/broadcast", body: ["message": "no type"]).status, 400)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/rooms/nope/broadcast", body: ["type": "x"]).status, 404)
        let notify = try REST.call(server.port, "POST", "/api/v1/ws/users/cy/notify", body: ["type": "direct_message", "from": "admin"])
        XCTAssertEqual(notify.json?["delivered"] as? Int, 1)
        XCTAssertEqual(loner.expect("direct_message")?["from"] as? String, "admin")
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/users/ghost/notify", body: ["type": "x"]).json?["delivered"] as? Int, 0)

        let id = try XCTUnwrap(established["connection_id"] as? String)
        XCTAssertEqual(try REST.call(server.port, "DELETE", "/api/v1/ws/connections/\(id)").status, 200)
        XCTAssertEqual(loner.expectClose(), 1000)
        XCTAssertEqual(loner.closeReason, "disconnected by admin")
        XCTAssertEqual(try REST.call(server.port, "DELETE", "/api/v1/ws/connections/c999999").status, 404)
        XCTAssertEqual(try REST.call(server.port, "DELETE", "/api/v1/ws/connections/..%2F..%2Fetc").status, 404)
    }

    func testMetricsAreValidPrometheusTextAndMoveWithActivity() throws {
        func metrics() throws -> [String: Double] {
            let response = try get("/metrics", token: nil)
            XCTAssertEqual(response.status, 200)
            XCTAssertTrue(response.headers["content-type"]?.hasPrefix("text/plain") == true)
            var samples: [String: Double] = [:]
            let text = String(decoding: response.body, as: UTF8.self)
            for line in text.split(separator: "\n") {
                if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { continue }
                // name{labels} value
                let parts = line.split(separator: " ")
                XCTAssertEqual(parts.count, 2, "malformed sample line: \(line)")
                XCTAssertTrue(parts[0].hasPrefix("gridline_"), "\(line)")
                samples[String(parts[0])] = Double(parts[1])
                XCTAssertNotNil(Double(parts[1]) ?? (parts[1] == "+Inf" ? 1 : nil), "\(line)")
            }
            XCTAssertTrue(text.contains("# TYPE gridline_db_commit_seconds histogram"))
            return samples
        }
        let before = try metrics()
        let client = try join("max")
        client.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "A1", "value": 1])
        XCTAssertNotNil(client.expect("cell_updated"))
        let after = try metrics()
        XCTAssertEqual(after["gridline_websocket_connections"], 1)
        XCTAssertEqual(after["gridline_messages_received_total{type=\"cell_update\"}"], 1)
        XCTAssertGreaterThan(after["gridline_db_commits_total"] ?? 0, before["gridline_db_commits_total"] ?? 0)
        XCTAssertGreaterThan(after["gridline_bytes_sent_total"] ?? 0, before["gridline_bytes_sent_total"] ?? 0)
        XCTAssertNotNil(after["gridline_event_loop_lag_probe_seconds_count"])
        // The server's own receipt → broadcast of that one write: counted once, in a bucket
        // at or below its own total, never negative.
        XCTAssertEqual(before["gridline_cell_write_seconds_count"], 0)
        XCTAssertEqual(after["gridline_cell_write_seconds_count"], 1)
        let writeSeconds = try XCTUnwrap(after["gridline_cell_write_seconds_sum"])
        XCTAssertGreaterThan(writeSeconds, 0)
        XCTAssertLessThan(writeSeconds, 5)
        XCTAssertEqual(after["gridline_cell_write_seconds_bucket{le=\"+Inf\"}"], 1)
    }

    func testRESTShutdownClosesClientsWith1001KeepsAcknowledgedWritesAndExitsZero() throws {
        let clients = try (0..<4).map { try join("w\($0)") }
        var acknowledged: [String: Int] = [:]
        for (i, client) in clients.enumerated() {
            client.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "E\(i + 1)", "value": i * 10,
                         "request_id": "mine-\(i)"])
            var update: [String: Any]?
            while update == nil, let message = client.nextMessage(timeout: 5) {
                if message["request_id"] as? String == "mine-\(i)" { update = message }
            }
            acknowledged["E\(i + 1)"] = try XCTUnwrap(update)["value"] as? Int
        }
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/shutdown").status, 202)
        for client in clients { XCTAssertEqual(client.expectClose(), 1001) }
        XCTAssertTrue(server.waitForExit(timeout: 10))
        XCTAssertEqual(server.process.terminationStatus, 0)
        let directory = server.dataDirectory
        server = try ServerProcess(dataDirectory: directory)
        let cells = try XCTUnwrap(try get("/api/v1/sheets/demo-sheet", token: Tokens.make(user: "w0")).json?["cells"] as? [[String: Any]])
        for (cell, value) in acknowledged {
            XCTAssertEqual(cells.first { $0["cell_id"] as? String == cell }?["value"] as? Int, value)
        }
    }

    func testBadBodiesAndPathTricksGet4xx() throws {
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/rooms", rawBody: Array("{".utf8)).status, 400)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/rooms", rawBody: Array("[]".utf8)).status, 400)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/rooms",
                                     rawBody: Array(repeating: UInt8(ascii: "x"), count: 70_000)).status, 413)
        XCTAssertEqual(try get("/api/v1/rooms/..%2Fdemo").status, 404)
        XCTAssertEqual(try get("/api/v1/rooms/%2e%2e").status, 404)
        XCTAssertEqual(try get("/api/v1/rooms/demo/../demo").status, 404)
        XCTAssertEqual(try get("/api/v1/rooms/%ZZ").status, 404)
        XCTAssertEqual(try get("/api/v1/uploads/..%2F..%2Fgridline.sqlite", token: Tokens.make(user: "x")).status, 404)
        XCTAssertEqual(try REST.call(server.port, "PATCH", "/api/v1/rooms").status, 405)
    }
}
