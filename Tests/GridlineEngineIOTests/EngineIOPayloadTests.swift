import XCTest
@testable import GridlineEngineIO

final class EngineIOPayloadTests: XCTestCase {
    // engine.io-protocol README, "Packet encoding / HTTP long-polling", first example.
    func testReadmePayloadOfTwoMessagesAndAPingDecodes() throws {
        let body = bytes("4hello\u{1e}2\u{1e}4world")
        let packets = try EngineIOPayload.decode(body)
        XCTAssertEqual(packets, [
            EngineIOPacket(type: .message, payload: bytes("hello")),
            EngineIOPacket(type: .ping),
            EngineIOPacket(type: .message, payload: bytes("world")),
        ])
        var encoded: [UInt8] = []
        EngineIOPayload.encode(packets, into: &encoded)
        XCTAssertEqual(encoded, body)
    }

    // engine.io-protocol README, "Packet encoding / HTTP long-polling", binary example.
    func testReadmePayloadWithABase64BufferDecodes() throws {
        let body = bytes("4hello\u{1e}bAQIDBA==")
        let packets = try EngineIOPayload.decode(body)
        XCTAssertEqual(packets, [EngineIOPacket(type: .message, payload: bytes("hello")), .binary([1, 2, 3, 4])])
        var encoded: [UInt8] = []
        EngineIOPayload.encode(packets, into: &encoded)
        XCTAssertEqual(encoded, body)
    }

    // socket.io-protocol README, "Sample session", request n°5.
    func testSampleSessionPostBodyHoldsTwoEvents() throws {
        let packets = try EngineIOPayload.decode(bytes("42[\"hello\"]\u{1e}42[\"world\"]"))
        XCTAssertEqual(packets.map(\.type), [.message, .message])
        XCTAssertEqual(packets.map { text($0.payload) }, ["2[\"hello\"]", "2[\"world\"]"])
    }

    func testOnePacketBodyHasNoSeparator() throws {
        XCTAssertEqual(try EngineIOPayload.decode(bytes("40")), [EngineIOPacket(type: .message, payload: bytes("0"))])
        var out: [UInt8] = []
        EngineIOPayload.encode([EngineIOPacket(type: .noop)], into: &out)
        XCTAssertEqual(text(out), "6")
    }

    func testTenThousandPacketsDecodeInOrderAsSlicesOfTheBody() throws {
        var body: [UInt8] = []
        for number in 0..<10_000 { EngineIOPayload.appendEncodedPacket(bytes("4\(number)"), into: &body) }
        let packets = try EngineIOPayload.decode(body)
        XCTAssertEqual(packets.count, 10_000)
        XCTAssertEqual(text(packets[0].payload), "0")
        XCTAssertEqual(text(packets[9_999].payload), "9999")
        XCTAssertTrue(packets.allSatisfy { $0.type == .message })
        var encoded: [UInt8] = []
        EngineIOPayload.encode(packets, into: &encoded)
        XCTAssertEqual(encoded, body)
    }

    func testMaxPacketsRefusesTheBodyPastTheLimitOnly() throws {
        let body = bytes("2\u{1e}2\u{1e}2")
        XCTAssertEqual(try EngineIOPayload.decode(body, maxPackets: 3).count, 3)
        XCTAssertThrowsError(try EngineIOPayload.decode(body, maxPackets: 2)) {
            XCTAssertEqual($0 as? EngineIOError, .tooManyPackets(limit: 2))
        }
    }

    func testEmptyBodyAndEmptyRecordsAreRefused() {
        for wire in ["", "\u{1e}", "4a\u{1e}", "\u{1e}4a", "4a\u{1e}\u{1e}4b"] {
            XCTAssertThrowsError(try EngineIOPayload.decode(bytes(wire)), wire.debugDescription) {
                XCTAssertEqual($0 as? EngineIOError, .emptyPacket)
            }
        }
    }

    func testOneBadRecordFailsTheBody() {
        XCTAssertThrowsError(try EngineIOPayload.decode(bytes("4ok\u{1e}9bad\u{1e}4ok"))) {
            XCTAssertEqual($0 as? EngineIOError, .unknownPacketType(UInt8(ascii: "9")))
        }
        XCTAssertThrowsError(try EngineIOPayload.decode(bytes("4ok\u{1e}b!!!!"))) {
            XCTAssertEqual($0 as? EngineIOError, .invalidBase64)
        }
    }

    func testCuttingABodyAtEveryOffsetNeverYieldsMorePacketsThanWhole() throws {
        let body = bytes("4hello\u{1e}bAQIDBA==\u{1e}2\u{1e}42[\"é\",{\"a\":1}]")
        let whole = try EngineIOPayload.decode(body)
        XCTAssertEqual(whole.count, 4)
        for cut in 0..<body.count {
            // A cut through a base64 record or at an empty record throws; any other cut decodes
            // to a prefix of the whole body's packets, the last one possibly truncated.
            guard let packets = try? EngineIOPayload.decode(body[..<cut]) else { continue }
            XCTAssertLessThanOrEqual(packets.count, whole.count)
            for (position, packet) in packets.dropLast().enumerated() { XCTAssertEqual(packet, whole[position]) }
        }
    }

    func testAppendEncodedPacketAddsTheSeparatorOnlyBetweenPackets() {
        var body: [UInt8] = []
        EngineIOPayload.appendEncodedPacket(bytes("42[\"a\"]"), into: &body)
        EngineIOPayload.appendEncodedPacket(bytes("2"), into: &body)
        XCTAssertEqual(text(body), "42[\"a\"]\u{1e}2")
    }
}
