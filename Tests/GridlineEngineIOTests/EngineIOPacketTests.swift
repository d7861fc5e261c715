import XCTest
@testable import GridlineEngineIO

final class EngineIOPacketTests: XCTestCase {
    func testEveryPacketTypeDecodesFromItsDigitAndEncodesBackForBothTransports() throws {
        for type in EngineIOPacketType.allCases {
            let wire = [UInt8(ascii: "0") + type.rawValue] + bytes("payload")
            let packet = try EngineIOPacket.decode(text: wire)
            XCTAssertEqual(packet.type, type)
            XCTAssertEqual(text(packet.payload), "payload")
            XCTAssertFalse(packet.isBinary)
            var polling: [UInt8] = []
            packet.encodeForPolling(into: &polling)
            XCTAssertEqual(polling, wire)
            var websocket: [UInt8] = []
            packet.encodeForWebSocket(into: &websocket)
            XCTAssertEqual(websocket, wire)
        }
    }

    func testPacketTypeNumbersMatchTheProtocolTable() {
        XCTAssertEqual(EngineIOPacketType.allCases.map(\.rawValue), [0, 1, 2, 3, 4, 5, 6])
        XCTAssertEqual(EngineIOPacketType.upgrade.wireDigit, UInt8(ascii: "5"))
        XCTAssertNil(EngineIOPacketType(wireDigit: UInt8(ascii: "7")))
        XCTAssertNil(EngineIOPacketType(wireDigit: UInt8(ascii: "/")))
    }

    func testTypeWithoutPayloadDecodesToAnEmptyPayload() throws {
        let ping = try EngineIOPacket.decode(text: bytes("2"))
        XCTAssertEqual(ping, EngineIOPacket(type: .ping))
        XCTAssertTrue(ping.payload.isEmpty)
    }

    // engine.io-protocol README, "Packet encoding / WebSocket": `4hello`.
    func testReadmeWebSocketExampleIsAMessageCarryingHello() throws {
        let packet = try EngineIOPacket.decode(text: bytes("4hello"))
        XCTAssertEqual(packet.type, .message)
        XCTAssertEqual(text(packet.payload), "hello")
    }

    // engine.io-protocol README, "Upgrade": `2probe` answered by `3probe`, then `5`.
    func testReadmeUpgradeProbePacketsAreRecognised() throws {
        let probe = try EngineIOPacket.decode(text: bytes("2probe"))
        XCTAssertTrue(probe.isProbePing)
        XCTAssertFalse(try EngineIOPacket.decode(text: bytes("2")).isProbePing)
        XCTAssertFalse(try EngineIOPacket.decode(text: bytes("3probe")).isProbePing)
        var out: [UInt8] = []
        EngineIOPacket.probePong.encodeForWebSocket(into: &out)
        XCTAssertEqual(text(out), "3probe")
        XCTAssertEqual(try EngineIOPacket.decode(text: bytes("5")).type, .upgrade)
    }

    func testBinaryPacketIsBase64ForPollingAndRawForWebSocket() throws {
        let packet = EngineIOPacket.binary([1, 2, 3, 4])
        var polling: [UInt8] = []
        packet.encodeForPolling(into: &polling)
        XCTAssertEqual(text(polling), "bAQIDBA==")
        var websocket: [UInt8] = []
        packet.encodeForWebSocket(into: &websocket)
        XCTAssertEqual(websocket, [1, 2, 3, 4])
    }

    func testBase64PacketDecodesToABinaryMessage() throws {
        let packet = try EngineIOPacket.decode(text: bytes("bAQIDBA=="))
        XCTAssertEqual(packet, EngineIOPacket.binary([1, 2, 3, 4]))
        XCTAssertEqual(packet.type, .message)
        XCTAssertTrue(packet.isBinary)
    }

    func testBase64OfEveryLengthRoundTrips() throws {
        for length in 0...40 {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            var wire: [UInt8] = []
            EngineIOPacket.binary(payload).encodeForPolling(into: &wire)
            XCTAssertEqual(wire.count, 1 + (length + 2) / 3 * 4)
            XCTAssertEqual(try EngineIOPacket.decode(text: wire), EngineIOPacket.binary(payload), "length \(length)")
        }
    }

    // RFC 4648 §10 test vectors, as `b`-prefixed packets.
    func testRFC4648VectorsDecode() throws {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==",
                       "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(try EngineIOPacket.decode(text: bytes("b" + encoded)).payload, bytes(plain)[...], encoded)
            var out: [UInt8] = []
            EngineIOPacket.binary(bytes(plain)).encodeForPolling(into: &out)
            XCTAssertEqual(text(out), "b" + encoded)
        }
    }

    func testBinaryWebSocketFrameIsAMessageWithTheWholeFrame() {
        let packet = EngineIOPacket.decode(binaryFrame: [0x34, 0xFF, 0x00][...])
        XCTAssertEqual(packet, EngineIOPacket(type: .message, payload: [0x34, 0xFF, 0x00], isBinary: true))
    }

    func testEmptyTextPacketIsRefused() {
        XCTAssertThrowsError(try EngineIOPacket.decode(text: [UInt8]())) {
            XCTAssertEqual($0 as? EngineIOError, .emptyPacket)
        }
    }

    func testWrongTypeDigitsAreRefusedWithTheByte() {
        for wire in ["7", "9hello", "xhello", " 4", "{}", "-1"] {
            XCTAssertThrowsError(try EngineIOPacket.decode(text: bytes(wire)), wire) {
                XCTAssertEqual($0 as? EngineIOError, .unknownPacketType(bytes(wire)[0]))
            }
        }
    }

    func testMalformedBase64IsRefused() {
        for wire in ["bAQIDBA=", "bAQID!A==", "bA===", "b=AAA", "bAQ==AAAA", "bAR==", "bAQN="] {
            XCTAssertThrowsError(try EngineIOPacket.decode(text: bytes(wire)), wire) {
                XCTAssertEqual($0 as? EngineIOError, .invalidBase64)
            }
        }
    }

    func testDecodingASliceKeepsTheSliceIndices() throws {
        let body = bytes("xx4abc")
        let packet = try EngineIOPacket.decode(text: body[2...])
        XCTAssertEqual(packet.payload.startIndex, 3)
        XCTAssertEqual(text(packet.payload), "abc")
    }
}
