import Foundation
import XCTest

/// Heartbeats, timeouts and shutdown of the real server.
final class LifecycleEndToEndTests: XCTestCase {
    func testSilentClientIsPingedThenClosedWith1001() throws {
        let server = try ServerProcess(environment: ["WEBSOCKET_PING_INTERVAL": "0.5", "WEBSOCKET_PING_TIMEOUT": "1.5"])
        defer { server.stop() }
        let client = try TestClient(port: server.port, token: Tokens.make(user: "quiet"))
        XCTAssertNotNil(client.expect("connection_established"))
        // The client never answers, so it must see a protocol ping, then a 1001 close.
        var sawPing = false
        var code: UInt16?
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, code == nil {
            switch client.nextEvent(timeout: deadline.timeIntervalSinceNow) {
            case .ping?: sawPing = true
            case .close(let closeCode, _)?: code = closeCode
            case nil: break
            default: continue
            }
            if client.socket.closedByPeer { break }
        }
        XCTAssertTrue(sawPing)
        XCTAssertEqual(code, 1001)
    }

    func testClientAnsweringPingsStaysConnected() throws {
        let server = try ServerProcess(environment: ["WEBSOCKET_PING_INTERVAL": "0.3", "WEBSOCKET_PING_TIMEOUT": "1"])
        defer { server.stop() }
        let client = try TestClient(port: server.port, token: Tokens.make(user: "lively"))
        XCTAssertNotNil(client.expect("connection_established"))
        let deadline = Date().addingTimeInterval(2.5)
        while Date() < deadline {
            if case .ping(let payload)? = client.nextEvent(timeout: 0.2) { client.sendFrame(.pong, payload) }
            if client.closeCode != nil { break }
        }
        XCTAssertNil(client.closeCode)
        client.send(["type": "ping", "request_id": "alive"])
        XCTAssertEqual(client.expect("pong")?["request_id"] as? String, "alive")
    }

    func testSIGTERMClosesEveryWebSocketWith1001AndExitsZero() throws {
        let server = try ServerProcess()
        let clients = try (0..<5).map { i in try TestClient(port: server.port, token: Tokens.make(user: "u\(i)")) }
        for client in clients { XCTAssertNotNil(client.expect("connection_established")) }
        kill(server.pid, SIGTERM)
        for client in clients {
            XCTAssertEqual(client.expectClose(), 1001)
            client.sendClose(code: 1001)
        }
        XCTAssertTrue(server.waitForExit(timeout: 10))
        XCTAssertEqual(server.process.terminationStatus, 0)
        XCTAssertTrue(server.log.contains("\"event\":\"stopped\""))
    }

    func testPeerThatResetsWhileTheServerWritesDoesNotKillIt() throws {
        let server = try ServerProcess(environment: ["WEBSOCKET_CURSOR_RATE": "100000"], defaultSIGPIPE: true)
        defer { server.stop() }
        for round in 0..<5 {
            let talker = try TestClient(port: server.port, token: Tokens.make(user: "talker\(round)"))
            let victim = try TestClient(port: server.port, token: Tokens.make(user: "victim\(round)"))
            for client in [talker, victim] {
                XCTAssertNotNil(client.expect("connection_established"))
                client.send(["type": "join_room", "room_id": "demo"])
                XCTAssertNotNil(client.expect("room_state"))
            }
            // The victim stops reading and resets its connection while cursors stream at it.
            for i in 0..<300 { talker.send(["type": "cursor_move", "room": "demo", "x": i, "y": 0, "cell": "A1"]) }
            var linger = linger(l_onoff: 1, l_linger: 0)
            setsockopt(victim.socket.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
            victim.close()
            for i in 0..<300 { talker.send(["type": "cursor_move", "room": "demo", "x": i, "y": 1, "cell": "A1"]) }
        }
        usleep(300_000)
        XCTAssertTrue(server.process.isRunning, "the server survived writes to reset peers")
        XCTAssertEqual(try REST.call(server.port, "GET", "/api/v1/health", token: nil).status, 200)
    }
}
