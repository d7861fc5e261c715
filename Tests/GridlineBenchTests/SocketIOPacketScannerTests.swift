import XCTest
@testable import GridlineBench

/// The bench's in-place reading of Engine.IO v4 / Socket.IO v5 packets. Packet texts are the
/// examples of the protocol documents (socket.io-protocol v5 "Sample session", engine.io-protocol
/// v4 "Packet encoding") and what Gridline sends (SPEC §12).
final class SocketIOPacketScannerTests: XCTestCase {
    private func kind(_ text: String) -> (SocketIOPacketScanner.Kind, [UInt8]) {
        let bytes = Array(text.utf8)
        return (bytes.withUnsafeBufferPointer { SocketIOPacketScanner.classify($0, 0..<$0.count) }, bytes)
    }

    private func text(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    func testEngineIOPacketTypesAreTheirDigit() {
        let (open, bytes) = kind(#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000}"#)
        guard case .open(let object) = open else { return XCTFail("\(open)") }
        XCTAssertEqual(text(bytes, object), #"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000}"#)
        XCTAssertEqual(kind("1").0, .close)
        XCTAssertEqual(kind("2").0, .ping)
        XCTAssertEqual(kind("3").0, .pong)
        XCTAssertEqual(kind("6").0, .noop)
        XCTAssertEqual(kind("5").0, .other)
        XCTAssertEqual(kind("").0, .other)
    }

    func testSocketIOConnectDisconnectAndErrorAreRecognised() {
        XCTAssertEqual(kind(#"40{"sid":"wZX3oN0bSVIhsaknAAAI","pid":"abc"}"#).0, .connect)
        XCTAssertEqual(kind("41").0, .disconnect)
        XCTAssertEqual(kind(#"44{"message":"AUTHENTICATION_FAILED"}"#).0, .connectError)
    }

    func testAnEventGivesItsNameAndArgumentsFromTheFirstArgumentOn() {
        let (event, bytes) = kind(#"42["cursor_moved",{"type":"cursor_moved","meta":{"sid":3,"seq":9,"ts":77}},"1234"]"#)
        guard case .event(let ackID, let name, let arguments) = event else { return XCTFail("\(event)") }
        XCTAssertNil(ackID)
        XCTAssertEqual(text(bytes, name), "cursor_moved")
        XCTAssertTrue(text(bytes, arguments).hasPrefix(#"{"type":"cursor_moved""#))
        let stamp = bytes.withUnsafeBufferPointer { CursorStamp.read($0, object: arguments) }
        XCTAssertEqual(stamp, CursorStamp(sid: 3, seq: 9, ts: 77))
    }

    func testAnEventWithAnAckIdANamespaceAndNoArgument() {
        let (event, bytes) = kind(#"42/admin,13["ping" ]"#)
        guard case .event(let ackID, let name, let arguments) = event else { return XCTFail("\(event)") }
        XCTAssertEqual(ackID, 13)
        XCTAssertEqual(text(bytes, name), "ping")
        XCTAssertTrue(arguments.isEmpty)
        let (escaped, escapedBytes) = kind(#"42["a\"b",1]"#)
        guard case .event(_, let escapedName, let rest) = escaped else { return XCTFail("\(escaped)") }
        XCTAssertEqual(text(escapedBytes, escapedName), #"a\"b"#)
        XCTAssertEqual(text(escapedBytes, rest), "1]")
    }

    func testAnAckGivesItsIdAndArgument() {
        let (ack, bytes) = kind(#"431[{"type":"room_state","room_id":"demo"}]"#)
        guard case .ack(let id, let arguments) = ack else { return XCTFail("\(ack)") }
        XCTAssertEqual(id, 1)
        XCTAssertTrue(text(bytes, arguments).hasPrefix(#"{"type":"room_state""#))
        XCTAssertEqual(kind(#"43[{"x":1}]"#).0, .other, "an ack without an id answers nothing")
        XCTAssertEqual(kind(#"4399999999999999999999[1]"#).0, .other, "an id past UInt64 is refused, not wrapped")
    }

    func testMalformedEventsAreOtherNotATrap() {
        for bad in ["42", "42[", "42{}", "42[1,2]", #"42["unterminated"#, "4", "4x"] {
            XCTAssertEqual(kind(bad).0, .other, bad)
        }
    }

    func testAPollingBodyIsSplitOnTheRecordSeparator() {
        let body = Array("2\u{1e}42[\"x\",{}]\u{1e}\u{1e}6".utf8)
        var packets: [String] = []
        body.withUnsafeBufferPointer { buffer in
            SocketIOPacketScanner.forEachPacket(in: buffer) { packets.append(String(decoding: buffer[$0], as: UTF8.self)) }
        }
        XCTAssertEqual(packets, ["2", #"42["x",{}]"#, "6"])
        var none = 0
        [UInt8]().withUnsafeBufferPointer { SocketIOPacketScanner.forEachPacket(in: $0) { _ in none += 1 } }
        XCTAssertEqual(none, 0)
    }

    func testTheStampIsReadOnlyInsideItsOwnPacketAndWithSpacesToo() {
        // Two packets in one body: the second packet's meta must not be taken for the first's.
        let body = Array(#"42["cursor_moved",{"meta":{"sid":1,"seq":2,"ts":3}}]"#.utf8) + [0x1E]
            + Array(#"42["cursor_moved",{"meta":{"sid":4,"seq":5,"ts":6}}]"#.utf8)
        var stamps: [CursorStamp?] = []
        body.withUnsafeBufferPointer { buffer in
            SocketIOPacketScanner.forEachPacket(in: buffer) { packet in
                guard case .event(_, _, let arguments) = SocketIOPacketScanner.classify(buffer, packet) else { return }
                stamps.append(CursorStamp.read(buffer, object: arguments))
            }
        }
        XCTAssertEqual(stamps, [CursorStamp(sid: 1, seq: 2, ts: 3), CursorStamp(sid: 4, seq: 5, ts: 6)])
        let spaced = Array(#"{"type": "cursor_moved", "meta": {"sid": 7, "seq": 8, "ts": 9}}"#.utf8)
        XCTAssertEqual(spaced.withUnsafeBufferPointer { CursorStamp.read($0, object: 0..<$0.count) },
                       CursorStamp(sid: 7, seq: 8, ts: 9))
        let missing = Array(#"{"type":"cursor_moved","meta":{"sid":7}}"#.utf8)
        XCTAssertNil(missing.withUnsafeBufferPointer { CursorStamp.read($0, object: 0..<$0.count) })
    }

    func testOutgoingPacketsAreTheProtocolsText() {
        XCTAssertEqual(String(decoding: SocketIOFanoutScenario.connectPacket(token: "a\"b"), as: UTF8.self), #"40{"token":"a\"b"}"#)
        XCTAssertEqual(String(decoding: SocketIOFanoutScenario.joinEvent(room: "demo", ackID: 1), as: UTF8.self),
                       #"421["join_room",{"room_id":"demo"}]"#)
    }

    func testSocketIOPartsParseInTheirOwnOrder() throws {
        let options = try BenchOptions.parse(["--scenario", "socketio", "--parts", "idle,sio", "--idle-sessions", "300",
                                              "--pollers", "2"])
        XCTAssertEqual(options.scenario, .socketio)
        XCTAssertEqual(options.parts, [.sio, .idle])
        XCTAssertEqual(options.idleSessions, 300)
        XCTAssertEqual(options.pollers, 2)
        XCTAssertEqual(try BenchOptions.parse(["--scenario", "socketio"]).parts, [.ws, .sio, .poll, .idle])
        for bad in [["--parts", "ws,nope"], ["--parts", ""], ["--pollers", "0"], ["--idle-sessions", "x"]] {
            XCTAssertThrowsError(try BenchOptions.parse(bad), "\(bad)")
        }
    }
}
