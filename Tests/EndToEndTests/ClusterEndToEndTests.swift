import Foundation
import GridlineWebSocket
import XCTest

/// SPEC §15 on a healthy cluster: three `gridline serve` nodes on one Redis and one data
/// directory. Clients connect to different nodes and everything of §4–§9 holds cluster-wide:
/// fan-out in seq order, compare-and-set, one presence per user, the per-user connection limit,
/// REST acting on other nodes' connections, and Socket.IO clients. Faults are in
/// `ClusterFailureEndToEndTests`.
final class ClusterEndToEndTests: ClusterTestCase {

    private func update(_ client: TestClient, _ cell: String, _ value: String, version: Int? = nil, id: String) {
        var message: [String: Any] = ["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": cell, "value": value,
                                      "request_id": id]
        if let version { message["version"] = version }
        client.send(message)
    }

    // MARK: Fan-out

    func testReadersOnOtherNodesHearEveryUpdateOfAWriterOnceInSeqOrder() throws {
        let cluster = try startCluster()
        let readers = try [1, 2].map { try SeqReader(port: cluster.port($0), user: "reader-\($0)") }
        defer { readers.forEach { $0.stop() } }
        let writer = try TestClient.joined(port: cluster.port(0), user: "writer")
        for n in 1...100 { update(writer, "C\(n)", "one-writer-\(n)", id: "w\(n)") }
        var seqs: [Int] = []
        for n in 1...100 {
            let ack = try XCTUnwrap(writer.cellReply(to: "w\(n)"), "ack of w\(n)\n" + cluster.logs())
            XCTAssertEqual(ack["type"] as? String, "cell_updated", "\(ack)")
            seqs.append(try XCTUnwrap(ack["seq"] as? Int))
        }
        let base = readers[0].baseSeq
        XCTAssertEqual(seqs, Array((base + 1)...(base + 100)), "the writer's own acks carry consecutive seqs")
        for reader in readers {
            XCTAssertEqual(reader.baseSeq, base)
            XCTAssertTrue(reader.waitUntil(seq: base + 100, timeout: 10), "\(reader.user) caught up; heard \(reader.seqs.count)")
            reader.assertHeardEverySeqOnce(through: base + 100)
            let values = reader.cellEvents.compactMap { $0["value"] as? String }
            XCTAssertEqual(values, (1...100).map { "one-writer-\($0)" }, "\(reader.user) heard the values in write order")
        }
    }

    func testWritersOnAllThreeNodesAtOnceGiveEveryNodeTheSameGapFreeSequence() throws {
        let cluster = try startCluster()
        let readers = try (0..<3).map { try SeqReader(port: cluster.port($0), user: "reader-\($0)") }
        defer { readers.forEach { $0.stop() } }
        let writers = try (0..<3).map { try TestClient.joined(port: cluster.port($0), user: "writer-\($0)") }
        let columns = ["D", "E", "F"]
        for n in 1...100 {
            for (index, writer) in writers.enumerated() { update(writer, "\(columns[index])\(n)", "w\(index)-\(n)", id: "w\(index)-\(n)") }
        }
        var acked = 0
        for (index, writer) in writers.enumerated() {
            for n in 1...100 {
                let ack = writer.cellReply(to: "w\(index)-\(n)", timeout: 15)
                XCTAssertEqual(ack?["type"] as? String, "cell_updated", "w\(index)-\(n): \(String(describing: ack))")
                if ack?["type"] as? String == "cell_updated" { acked += 1 }
            }
        }
        XCTAssertEqual(acked, 300)
        let base = readers[0].baseSeq
        for reader in readers {
            XCTAssertTrue(reader.waitUntil(seq: base + 300, timeout: 15), "\(reader.user) caught up; heard \(reader.seqs.count)")
            reader.assertHeardEverySeqOnce(through: base + 300)
        }
        // The same sequence everywhere: seq n is the same write on every node.
        let orders = readers.map { $0.cellEvents.map { "\($0["seq"] ?? "?") \($0["value"] ?? "?")" } }
        XCTAssertEqual(orders[0], orders[1])
        XCTAssertEqual(orders[0], orders[2])
        let history = try ClusterAudit.history(port: cluster.port(1))
        XCTAssertEqual(history.count, base + 300)
    }

    // MARK: Compare-and-set

    func testSameVersionWritesFromDifferentNodesHaveExactlyOneWinnerEveryTime() throws {
        let cluster = try startCluster()
        let clients = try (0..<3).map { try TestClient.joined(port: cluster.port($0), user: "cas-\($0)") }
        var version = 0
        for round in 0..<20 {
            let (a, b) = (round % 3, (round + 1) % 3)
            update(clients[a], "G1", "r\(round)-n\(a)", version: version, id: "r\(round)-\(a)")
            update(clients[b], "G1", "r\(round)-n\(b)", version: version, id: "r\(round)-\(b)")
            let replies = [clients[a].cellReply(to: "r\(round)-\(a)"), clients[b].cellReply(to: "r\(round)-\(b)")]
            let wins = replies.compactMap { $0 }.filter { $0["type"] as? String == "cell_updated" }
            let conflicts = replies.compactMap { $0 }.filter { $0["code"] as? String == "VERSION_CONFLICT" }
            XCTAssertEqual(wins.count, 1, "round \(round): \(replies)")
            XCTAssertEqual(conflicts.count, 1, "round \(round): \(replies)")
            guard let win = wins.first, let conflict = conflicts.first else { return }
            XCTAssertEqual(win["version"] as? Int, version + 1, "round \(round)")
            let current = try XCTUnwrap(conflict["current"] as? [String: Any], "round \(round)")
            XCTAssertEqual(current["version"] as? Int, version + 1, "round \(round): the conflict shows the winner")
            XCTAssertEqual(current["value"] as? String, win["value"] as? String, "round \(round)")
            version += 1
        }
        let g1 = try ClusterAudit.history(port: cluster.port(2)).filter { $0["cell_id"] as? String == "G1" }
        XCTAssertEqual(g1.compactMap { $0["version"] as? Int }, Array(1...20), "one applied write per version")
    }

    // MARK: Presence

    func testASecondTabOnAnotherNodeIsNotANewPresenceAndOnlyTheLastLeaveIsAUserLeft() throws {
        let cluster = try startCluster()
        let watcher = try TestClient.joined(port: cluster.port(1), user: "watcher")
        let first = try TestClient.joined(port: cluster.port(0), user: "uma")
        let joined = try XCTUnwrap(watcher.expect("user_joined", timeout: 5))
        XCTAssertEqual((joined["user"] as? [String: Any])?["user_id"] as? String, "uma")
        XCTAssertEqual(joined["total_users"] as? Int, 2)

        let second = try TestClient(port: cluster.port(2), token: Tokens.make(user: "uma"))
        XCTAssertNotNil(second.expect("connection_established"))
        second.send(["type": "join_room", "room_id": "demo"])
        let state = try XCTUnwrap(second.expect("room_state"))
        let users = (state["users"] as? [[String: Any]] ?? []).compactMap { $0["user_id"] as? String }
        XCTAssertEqual(users.sorted(), ["uma", "watcher"], "one presence per user across nodes")
        XCTAssertEqual(state["total_users"] as? Int, 2)
        XCTAssertTrue(watcher.receivesNo("user_joined", within: 1.5), "a second tab on another node is not a new presence")

        second.send(["type": "leave_room", "room_id": "demo"])
        XCTAssertNotNil(second.expect("room_left"))
        XCTAssertTrue(watcher.receivesNo("user_left", within: 1.5), "uma still has a tab in the room on node 0")

        first.send(["type": "leave_room", "room_id": "demo"])
        let left = try XCTUnwrap(watcher.expect("user_left", timeout: 5))
        XCTAssertEqual(left["user_id"] as? String, "uma")
        XCTAssertEqual(left["total_users"] as? Int, 1)
        XCTAssertTrue(watcher.receivesNo("user_left", within: 1), "exactly one user_left")
    }

    // MARK: Per-user limit

    func testTheConnectionLimitPerUserCountsConnectionsOnEveryNode() throws {
        let cluster = try startCluster(["WEBSOCKET_MAX_CONNECTIONS_PER_USER": "2"])
        var connections: [TestClient] = []
        for index in 0..<3 {
            let client = try TestClient(port: cluster.port(index), token: Tokens.make(user: "lim"))
            XCTAssertNotNil(client.expect("connection_established"), "connection \(index + 1)")
            connections.append(client)
            usleep(100_000)  // connect times (Redis TIME, ms) strictly ordered
        }
        XCTAssertEqual(connections[0].expectClose(timeout: 5), 1008, "the oldest, on node 0, is superseded")
        for index in 1...2 {
            connections[index].send(["type": "ping", "request_id": "still-\(index)"])
            XCTAssertNotNil(connections[index].expect("pong", timeout: 3), "connection \(index + 1) stays open")
            XCTAssertNil(connections[index].closeCode)
        }
    }

    // MARK: REST

    func testRESTOnOneNodeActsOnConnectionsHeldByOtherNodes() throws {
        let cluster = try startCluster()
        let member = try TestClient(port: cluster.port(2), token: Tokens.make(user: "mo"))
        let established = try XCTUnwrap(member.expect("connection_established"))
        let memberID = try XCTUnwrap(established["connection_id"] as? String)
        member.send(["type": "join_room", "room_id": "demo"])
        XCTAssertNotNil(member.expect("room_state"))
        let other = try TestClient.joined(port: cluster.port(0), user: "ola")
        let outsider = try TestClient(port: cluster.port(1), token: Tokens.make(user: "out"))
        XCTAssertNotNil(outsider.expect("connection_established"))

        for index in 0..<3 {
            let health = try REST.call(cluster.port(index), "GET", "/api/v1/health")
            XCTAssertEqual(health.status, 200)
            XCTAssertEqual(health.json?["redis"] as? String, "ok", "node \(index): \(String(describing: health.json))")
        }

        let broadcast = try REST.call(cluster.port(1), "POST", "/api/v1/ws/rooms/demo/broadcast",
                                      body: ["type": "system_announcement", "message": "cluster-wide"])
        XCTAssertEqual(broadcast.status, 200, String(decoding: broadcast.body, as: UTF8.self))
        XCTAssertNotNil(broadcast.json?["delivered"] as? Int)
        XCTAssertEqual(member.expect("system_announcement")?["message"] as? String, "cluster-wide")
        XCTAssertEqual(other.expect("system_announcement")?["message"] as? String, "cluster-wide")
        XCTAssertTrue(outsider.receivesNo("system_announcement", within: 0.5))

        let notify = try REST.call(cluster.port(1), "POST", "/api/v1/ws/users/mo/notify",
                                   body: ["type": "direct_message", "from": "admin"])
        XCTAssertEqual(notify.status, 200)
        XCTAssertEqual(member.expect("direct_message")?["from"] as? String, "admin")

        // Notifications (SPEC §8) reach a subscriber on another node.
        outsider.send(["type": "subscribe_notifications"])
        XCTAssertNotNil(outsider.expect("notifications_subscribed"))
        let created = try REST.call(cluster.port(0), "POST", "/api/v1/ws/broadcast/notification?event_type=notification_created",
                                    body: ["user_id": "out", "title": "Cluster", "message": "from node 0",
                                           "category": "system", "priority": "high", "module_name": "tests"])
        XCTAssertEqual(created.status, 201, String(decoding: created.body, as: UTF8.self))
        let event = try XCTUnwrap(outsider.expect("notification_event"))
        XCTAssertEqual((event["notification"] as? [String: Any])?["title"] as? String, "Cluster")

        // Stats and rooms summed over the three nodes (each publishes its figures every second).
        let summed = waitFor(timeout: 4) {
            let stats = try? REST.call(cluster.port(1), "GET", "/api/v1/ws/stats").json
            let rooms = try? REST.call(cluster.port(0), "GET", "/api/v1/ws/rooms").json?["rooms"] as? [[String: Any]]
            let demo = rooms?.first { $0["room_id"] as? String == "demo" }
            return stats?["total_connections"] as? Int == 3 && demo?["user_count"] as? Int == 2
        }
        XCTAssertTrue(summed, "stats: \(String(describing: try? REST.call(cluster.port(1), "GET", "/api/v1/ws/stats").json)); "
                      + "rooms: \(String(describing: try? REST.call(cluster.port(0), "GET", "/api/v1/ws/rooms").json))")

        let disconnect = try REST.call(cluster.port(1), "DELETE", "/api/v1/ws/connections/\(memberID)")
        XCTAssertEqual(disconnect.status, 200, "node 1 disconnects a connection held by node 2")
        XCTAssertEqual(member.expectClose(timeout: 5), 1000)
        XCTAssertEqual(member.closeReason, "disconnected by admin")
        XCTAssertEqual(try REST.call(cluster.port(0), "DELETE", "/api/v1/ws/connections/c999999").status, 404)
        other.send(["type": "ping"])
        XCTAssertNotNil(other.expect("pong"), "only that connection was closed")
    }

    // MARK: Socket.IO

    func testABurstOfCursorsFromOneNodeArrivesWholeAndInOrderOnAnother() throws {
        let cluster = try startCluster(["WEBSOCKET_CURSOR_RATE": "100000"])
        let sender = try TestClient.joined(port: cluster.port(0), user: "sender")
        let reader = try TestClient.joined(port: cluster.port(1), user: "reader")
        Thread.sleep(forTimeInterval: 0.3)  // both subscriptions confirmed
        // One TCP write: the sender's node reads them in one loop pass and publishes them as
        // one batch; a typing start in the middle keeps its place.
        var bytes: [UInt8] = []
        for n in 1...60 {
            let text = n == 30
                ? #"{"type":"typing_start","room":"demo","cell_id":"B2"}"#
                : #"{"type":"cursor_move","room":"demo","x":\#(n),"y":0,"cell":"A1"}"#
            FrameEncoder.encodeMasked(opcode: .text, payload: Array(text.utf8), maskKey: UInt32.random(in: 0...UInt32.max),
                                      fin: true, into: &bytes)
        }
        sender.socket.send(bytes)
        var heard: [String] = []
        while heard.count < 60, let message = reader.nextMessage(timeout: 5) {
            switch message["type"] as? String {
            case "cursor_moved": heard.append("x\(((message["cursor"] as? [String: Any])?["x"] as? Double).map { Int($0) } ?? -1)")
            case "user_typing_start": heard.append("typing")
            default: break
            }
        }
        XCTAssertEqual(heard, (1...60).map { $0 == 30 ? "typing" : "x\($0)" })
    }

    func testARawSocketIOClientOnOneNodeHearsACellWrittenOnAnother() throws {
        let cluster = try startCluster()
        let listener = try SocketIOAckEndToEndTests.connect(cluster.port(1), user: "eio-listener")
        listener.sendText(#"420["join_room",{"room_id":"demo"}]"#)
        XCTAssertEqual(SocketIOAckEndToEndTests.next(listener, prefix: "430").found?.contains(#""type":"room_state""#), true)
        let writer = try TestClient.joined(port: cluster.port(2), user: "ws-writer")
        update(writer, "H1", "across-nodes", version: 0, id: "eio-1")
        let ack = try XCTUnwrap(writer.cellReply(to: "eio-1"))
        XCTAssertEqual(ack["type"] as? String, "cell_updated", "\(ack)")
        let heard = SocketIOAckEndToEndTests.next(listener, prefix: #"42["cell_updated""#, timeout: 5)
        let text = try XCTUnwrap(heard.found, "the Socket.IO client heard no cell_updated; got \(heard.skipped)")
        let payload = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8.dropFirst(2))) as? [Any])
        let event = try XCTUnwrap(payload.count > 1 ? payload[1] as? [String: Any] : nil)
        XCTAssertEqual(event["cell_id"] as? String, "H1")
        XCTAssertEqual(event["value"] as? String, "across-nodes")
        XCTAssertEqual(event["seq"] as? Int, ack["seq"] as? Int)
    }

    func testPythonSocketIOClientsOnTwoNodesShareRoomEditsAndPresenceOverLongPolling() throws {
        try runPythonFlows(mode: "polling")
    }

    func testPythonSocketIOClientsOnTwoNodesShareRoomEditsAndPresenceOverWebSocket() throws {
        try runPythonFlows(mode: "websocket")
    }

    private func runPythonFlows(mode: String) throws {
        guard FileManager.default.isExecutableFile(atPath: IndependentClientTests.venvPython) else {
            throw XCTSkip("run Tests/support/make-venv.sh first (.ci/run does)")
        }
        let cluster = try startCluster()
        let (status, text) = try PythonScript.run("socketio_cluster.py", [
            mode, String(cluster.port(1)), String(cluster.port(2)),
            Tokens.make(user: "sio-listener"), Tokens.make(user: "sio-writer"),
        ], timeout: 70)
        XCTAssertEqual(status, 0, text + "\n" + cluster.logs())
        XCTAssertTrue(text.contains("OK \(mode)"), text)
    }

    private func waitFor(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(200_000)
        }
        return condition()
    }
}
