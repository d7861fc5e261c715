import Foundation
import GridlineWebSocket
import XCTest

/// Connections that die without a goodbye (SPEC §1 ping timeout, §4 user_left and typing):
/// the server notices the silence, closes 1001, and the room hears the user leave with no
/// typing indicator left behind.
final class DisconnectEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["WEBSOCKET_PING_INTERVAL": "0.3", "WEBSOCKET_PING_TIMEOUT": "1",
                                                 "TYPING_TIMEOUT": "30"])
    }

    override func tearDown() {
        server.stop()
    }

    /// Silence (1 s) is noticed within one sweep (≤ 0.15 s here). A peer that stopped answering
    /// pings is gone, so waiting for its closing handshake only keeps a ghost presence around:
    /// the room should hear of it within the timeout plus generous slack for a loaded machine.
    private static let userLeftDeadline: TimeInterval = 2.5

    private func join(_ user: String) throws -> TestClient {
        try TestClient.joined(port: server.port, user: user)
    }

    func testUserLeftIsSentWhenTheLastConnectionTimesOutOnPings() throws {
        let watcher = try join("watcher")
        let silent = try join("silent")
        let lastWord = Date()
        XCTAssertEqual((watcher.expect("user_joined")?["user"] as? [String: Any])?["user_id"] as? String, "silent")
        let pump = LivelyClients([watcher])
        let left = pump.waitFor(on: watcher, timeout: 6) { $0["type"] as? String == "user_left" }
        let elapsed = Date().timeIntervalSince(lastWord)
        let message = try XCTUnwrap(left, "no user_left for a client that stopped answering pings")
        XCTAssertEqual(message["user_id"] as? String, "silent")
        XCTAssertEqual(message["room_id"] as? String, "demo")
        XCTAssertEqual(message["total_users"] as? Int, 1)
        XCTAssertLessThan(elapsed, Self.userLeftDeadline,
                          "user_left came \(String(format: "%.2f", elapsed)) s after the peer went silent (timeout 1 s)")
        XCTAssertEqual(silent.expectClose(timeout: 3), 1001, "the silent client was closed as going away")
        XCTAssertNil(watcher.closeCode, "the client answering pings stays connected")
        watcher.send(["type": "join_room", "room_id": "demo", "request_id": "again"])
        let state = try XCTUnwrap(pump.waitFor(on: watcher, timeout: 3) { $0["type"] as? String == "room_state" })
        XCTAssertEqual((state["users"] as? [[String: Any]])?.compactMap { $0["user_id"] as? String }, ["watcher"])
        XCTAssertEqual(state["total_users"] as? Int, 1)
    }

    func testTypingIndicatorsOfATimedOutUserAreStoppedBeforeUserLeft() throws {
        let watcher = try join("watcher")
        let silent = try join("typist")
        XCTAssertNotNil(watcher.expect("user_joined"))
        silent.send(["type": "typing_start", "room": "demo", "cell_id": "C5"])
        silent.send(["type": "typing_start", "room": "demo", "cell_id": "D6"])
        let lastWord = Date()
        let pump = LivelyClients([watcher])
        var started: [String] = []
        var stopped: [String] = []
        let left = pump.waitFor(on: watcher, timeout: 6) { message in
            switch message["type"] as? String {
            case "user_typing_start": started.append(message["cell_id"] as? String ?? "?")
            case "user_typing_stop":
                XCTAssertEqual(message["user_id"] as? String, "typist")
                XCTAssertEqual(message["room"] as? String, "demo")
                stopped.append(message["cell_id"] as? String ?? "?")
            default: break
            }
            return message["type"] as? String == "user_left"
        }
        let elapsed = Date().timeIntervalSince(lastWord)
        XCTAssertEqual(left?["user_id"] as? String, "typist")
        XCTAssertEqual(started.sorted(), ["C5", "D6"])
        XCTAssertEqual(stopped.sorted(), ["C5", "D6"], "each indicator is stopped before user_left (TYPING_TIMEOUT is 30 s)")
        XCTAssertLessThan(elapsed, Self.userLeftDeadline, "user_left came \(String(format: "%.2f", elapsed)) s after silence")
        XCTAssertNil(pump.waitFor(on: watcher, timeout: 1) { $0["type"] as? String == "user_typing_stop" },
                     "no further stop after user_left")
    }

    func testATimedOutTabDoesNotRemoveAUserWhoseOtherTabIsAlive() throws {
        let watcher = try join("watcher")
        let liveTab = try join("erin")
        XCTAssertNotNil(watcher.expect("user_joined"))
        let silentTab = try join("erin")
        var pump = LivelyClients([watcher, liveTab])
        XCTAssertNil(pump.waitFor(on: watcher, timeout: 3) { $0["type"] as? String == "user_left" },
                     "erin still has a live tab after the silent one timed out")
        XCTAssertEqual(silentTab.expectClose(timeout: 1), 1001)
        XCTAssertNil(liveTab.closeCode)
        liveTab.sendClose()
        pump = LivelyClients([watcher])
        let left = try XCTUnwrap(pump.waitFor(on: watcher, timeout: 3) { $0["type"] as? String == "user_left" })
        XCTAssertEqual(left["user_id"] as? String, "erin")
        XCTAssertEqual(left["total_users"] as? Int, 1)
    }

    func testLeavingTheRoomStopsTypingBeforeUserLeft() throws {
        let watcher = try join("watcher")
        let typist = try join("typist")
        XCTAssertNotNil(watcher.expect("user_joined"))
        typist.send(["type": "typing_start", "room": "demo", "cell_id": "E7"])
        XCTAssertNotNil(watcher.expect("user_typing_start"))
        typist.send(["type": "leave_room", "room_id": "demo"])
        let pump = LivelyClients([watcher, typist])
        var order: [String] = []
        _ = pump.waitFor(on: watcher, timeout: 3) { message in
            let type = message["type"] as? String ?? "?"
            if type == "user_typing_stop" || type == "user_left" { order.append(type) }
            return type == "user_left"
        }
        XCTAssertEqual(order, ["user_typing_stop", "user_left"])
    }
}

/// Clients that behave: every protocol ping is answered with a pong, so the server keeps them
/// while another client goes silent. Reads with `nextEvent`, so messages already queued by
/// `expect` are not seen here.
private struct LivelyClients {
    let clients: [TestClient]

    init(_ clients: [TestClient]) { self.clients = clients }

    /// Polls every client (answering pings) until `match` accepts a message from `target`;
    /// nil after `timeout`.
    func waitFor(on target: TestClient, timeout: TimeInterval,
                          _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            for client in clients {
                guard let event = client.nextEvent(timeout: 0.02) else { continue }
                switch event {
                case .ping(let payload): client.sendFrame(.pong, payload)
                case .text(let bytes) where client === target:
                    if let message = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], match(message) {
                        return message
                    }
                default: continue
                }
            }
        }
        return nil
    }
}
