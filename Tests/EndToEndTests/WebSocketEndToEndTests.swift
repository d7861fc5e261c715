import Foundation
import GridlineWebSocket
import XCTest

/// RFC 6455 behaviour of the real server, byte by byte over a real socket.
final class WebSocketEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["WEBSOCKET_MAX_MESSAGE_BYTES": "4096"])
    }

    override func tearDown() {
        server.stop()
    }

    private func connect(user: String = "alice") throws -> TestClient {
        let client = try TestClient(port: server.port, token: Tokens.make(user: user))
        XCTAssertEqual(client.handshake?.status, 101)
        XCTAssertEqual(client.handshake?.headers["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let established = client.expect("connection_established")
        XCTAssertEqual((established?["user"] as? [String: Any])?["user_id"] as? String, user)
        return client
    }

    private func rawUpgrade(_ lines: [String]) throws -> RawHTTPResponse? {
        let socket = try RawSocket(port: server.port)
        socket.send(lines.joined(separator: "\r\n") + "\r\n\r\n")
        return RawHTTPResponse.parse(socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5))?.0
    }

    func testHandshakeRefusalsCarryTheRightStatus() throws {
        let token = Tokens.make(user: "alice")
        let good = ["GET /api/v1/ws?token=\(token) HTTP/1.1", "Host: x", "Upgrade: websocket", "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
        let wrongVersion = try XCTUnwrap(try rawUpgrade(good.map { $0.hasPrefix("Sec-WebSocket-Version") ? "Sec-WebSocket-Version: 8" : $0 }))
        XCTAssertEqual(wrongVersion.status, 426)
        XCTAssertEqual(wrongVersion.headers["sec-websocket-version"], "13")
        XCTAssertEqual(try rawUpgrade(good.filter { !$0.hasPrefix("Sec-WebSocket-Key") })?.status, 400)
        XCTAssertEqual(try rawUpgrade(good.map { $0.hasPrefix("Sec-WebSocket-Key") ? "Sec-WebSocket-Key: c2hvcnQ=" : $0 })?.status, 400)
        XCTAssertEqual(try rawUpgrade(good.filter { !$0.hasPrefix("Upgrade") })?.status, 400)
        XCTAssertEqual(try rawUpgrade(good.map { $0.hasPrefix("Connection") ? "Connection: keep-alive" : $0 })?.status, 400)
        XCTAssertEqual(try rawUpgrade([good[0].replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0")] + good.dropFirst())?.status, 400)
        XCTAssertEqual(try rawUpgrade(good)?.status, 101)
    }

    func testConnectionEstablishedComesFirstWithLimits() throws {
        let client = try TestClient(port: server.port, token: Tokens.make(user: "bob", role: "viewer"))
        let first = try XCTUnwrap(client.nextMessage())
        XCTAssertEqual(first["type"] as? String, "connection_established")
        XCTAssertNotNil(first["connection_id"] as? String)
        XCTAssertEqual(first["heartbeat_interval"] as? Int, 25000)
        XCTAssertEqual((first["user"] as? [String: Any])?["role"] as? String, "viewer")
        XCTAssertEqual((first["limits"] as? [String: Any])?["max_message_bytes"] as? Int, 4096)
        XCTAssertNotNil(first["timestamp"] as? String)
    }

    func testApplicationPingGetsPongWithRequestID() throws {
        let client = try connect()
        client.send(["type": "ping", "request_id": "r-1"])
        let pong = try XCTUnwrap(client.expect("pong"))
        XCTAssertEqual(pong["request_id"] as? String, "r-1")
    }

    func testProtocolPingIsAnsweredWithTheSamePayload() throws {
        let client = try connect()
        client.sendFrame(.ping, Array("hello".utf8))
        guard case .pong(let payload)? = client.nextEvent() else { return XCTFail("no pong") }
        XCTAssertEqual(payload, Array("hello".utf8))
    }

    func testFragmentedMessageWithInterleavedPingIsReassembled() throws {
        let client = try connect()
        let text = Array(#"{"type":"ping","request_id":"frag"}"#.utf8)
        client.sendFrame(.text, Array(text[0..<10]), fin: false)
        client.sendFrame(.ping, [1, 2, 3])
        client.sendFrame(.continuation, Array(text[10..<20]), fin: false)
        client.sendFrame(.continuation, Array(text[20...]), fin: true)
        guard case .pong(let payload)? = client.nextEvent() else { return XCTFail("no pong between fragments") }
        XCTAssertEqual(payload, [1, 2, 3])
        XCTAssertEqual(client.expect("pong")?["request_id"] as? String, "frag")
    }

    func testErrorsKeepTheConnectionOpen() throws {
        let client = try connect()
        client.sendText("{not json")
        XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_JSON")
        client.send(["type": "no_such_type", "request_id": "u1"])
        let unknown = client.expect("error")
        XCTAssertEqual(unknown?["code"] as? String, "UNKNOWN_MESSAGE_TYPE")
        XCTAssertEqual(unknown?["request_id"] as? String, "u1")
        client.send(["request_id": "m1"])
        let missing = client.expect("error")
        XCTAssertEqual(missing?["code"] as? String, "INVALID_MESSAGE")
        XCTAssertTrue((missing?["error"] as? String ?? "").contains("type"))
        XCTAssertEqual(missing?["request_id"] as? String, "m1")
        client.send(["type": 5])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        client.sendText("[1,2]")
        XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        client.sendFrame(.binary, [1, 2, 3])
        let binary = client.expect("error")
        XCTAssertEqual(binary?["code"] as? String, "INVALID_MESSAGE")
        XCTAssertEqual(binary?["recoverable"] as? Bool, true)
        client.send(["type": "ping", "request_id": "still-open"])
        XCTAssertEqual(client.expect("pong")?["request_id"] as? String, "still-open")
    }

    private func closeCode(after frame: [UInt8]) throws -> UInt16? {
        let client = try connect()
        client.socket.send(frame)
        return client.expectClose()
    }

    func testProtocolViolationsCloseWith1002() throws {
        // Unmasked client frame (§5.1).
        XCTAssertEqual(try closeCode(after: [0x81, 0x02, 0x68, 0x69]), 1002)
        // RSV1 set with no extension negotiated (§5.2).
        XCTAssertEqual(try closeCode(after: [0xC1, 0x80, 0, 0, 0, 0]), 1002)
        // Reserved opcode 3.
        XCTAssertEqual(try closeCode(after: [0x83, 0x80, 0, 0, 0, 0]), 1002)
        // Fragmented ping (§5.5).
        XCTAssertEqual(try closeCode(after: [0x09, 0x80, 0, 0, 0, 0]), 1002)
        // Continuation with nothing to continue.
        XCTAssertEqual(try closeCode(after: [0x80, 0x80, 0, 0, 0, 0]), 1002)
        // 64-bit length with the top bit set.
        XCTAssertEqual(try closeCode(after: [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 1002)
        // Control frame longer than 125 bytes.
        XCTAssertEqual(try closeCode(after: [0x89, 0xFE, 0x00, 0x7E, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 126)), 1002)
    }

    func testCloseCodesAreValidated() throws {
        for invalid: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
            let client = try connect()
            client.sendClose(code: invalid)
            XCTAssertEqual(client.expectClose(), 1002, "code \(invalid)")
        }
        for valid: UInt16 in [1000, 1001, 3000, 4999] {
            let client = try connect()
            client.sendClose(code: valid, reason: "bye")
            XCTAssertEqual(client.expectClose(), valid, "code \(valid) must be echoed")
            XCTAssertTrue(client.socket.waitForPeerClose(timeout: 3), "server closes TCP after the handshake")
        }
        let oneByte = try connect()
        oneByte.sendFrame(.close, [0x03])
        XCTAssertEqual(oneByte.expectClose(), 1002)
    }

    func testInvalidUTF8ClosesWith1007() throws {
        let text = try connect()
        text.sendFrame(.text, [0x7B, 0xC3, 0x28, 0x7D])
        XCTAssertEqual(text.expectClose(), 1007)
        // Split across fragments: a valid lead byte, then a bad continuation in the next fragment.
        let split = try connect()
        split.sendFrame(.text, [0x22, 0xE2, 0x82], fin: false)
        split.sendFrame(.continuation, [0x28, 0x22], fin: true)
        XCTAssertEqual(split.expectClose(), 1007)
        let reason = try connect()
        reason.sendFrame(.close, [0x03, 0xE8, 0xFF, 0xFE])
        XCTAssertEqual(reason.expectClose(), 1007)
    }

    func testOversizedMessageClosesWith1009() throws {
        let client = try connect()
        client.sendText(String(repeating: "x", count: 5000))
        XCTAssertEqual(client.expectClose(), 1009)
        // Declared length alone is enough: the server must not wait for (or buffer) the payload.
        let header = try connect()
        header.socket.send([0x81, 0xFF, 0, 0, 0, 0, 0, 0x10, 0, 0, 1, 2, 3, 4])
        XCTAssertEqual(header.expectClose(), 1009)
    }

    func testFramesArrivingOneByteAtATimeAreDecoded() throws {
        let client = try connect()
        var frame: [UInt8] = []
        FrameEncoder.encodeMasked(opcode: .text, payload: Array(#"{"type":"ping","request_id":"slow"}"#.utf8),
                                  maskKey: 0x1234_5678, into: &frame)
        for byte in frame { client.socket.send([byte]) }
        XCTAssertEqual(client.expect("pong")?["request_id"] as? String, "slow")
    }

    func testDataAfterCloseIsIgnored() throws {
        let client = try connect()
        var bytes: [UInt8] = []
        FrameEncoder.encodeMasked(opcode: .close, payload: FrameEncoder.closePayload(code: 1000), maskKey: 7, into: &bytes)
        FrameEncoder.encodeMasked(opcode: .text, payload: Array(#"{"type":"ping"}"#.utf8), maskKey: 9, into: &bytes)
        client.socket.send(bytes)
        XCTAssertEqual(client.expectClose(), 1000)
        XCTAssertNil(client.nextMessage(timeout: 0.5))
    }
}
