import XCTest
@testable import GridlineWebSocket

/// The frames of RFC 6455 §5.7, byte for byte, through both decoder roles and the encoder.
final class RFC6455ExampleTests: XCTestCase {
    private let hello = Array("Hello".utf8)

    // §5.7: "A single-frame unmasked text message".
    func testSingleFrameUnmaskedTextDecodesAsHelloForAClient() {
        let bytes: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        let outcome = DecoderHarness.decodeEverySplit(bytes, role: .client)
        XCTAssertEqual(outcome, DecodeOutcome(events: [.text(hello)]))
        XCTAssertEqual(FrameEncoder.textFrame(hello), bytes)
    }

    // §5.7: "A single-frame masked text message".
    func testSingleFrameMaskedTextDecodesAsHelloForAServer() {
        let bytes: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        let outcome = DecoderHarness.decodeEverySplit(bytes, role: .server)
        XCTAssertEqual(outcome, DecodeOutcome(events: [.text(hello)]))
        var encoded: [UInt8] = []
        FrameEncoder.encodeMasked(opcode: .text, payload: hello, maskKey: 0x37FA_213D, into: &encoded)
        XCTAssertEqual(encoded, bytes)
    }

    // §5.7: "A fragmented unmasked text message".
    func testFragmentedUnmaskedTextJoinsHelAndLo() {
        let bytes: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6c] + [0x80, 0x02, 0x6c, 0x6f]
        let outcome = DecoderHarness.decodeEverySplit(bytes, role: .client)
        XCTAssertEqual(outcome, DecodeOutcome(events: [.text(hello)]))
        var encoded: [UInt8] = []
        FrameEncoder.encode(opcode: .text, payload: Array("Hel".utf8), fin: false, into: &encoded)
        FrameEncoder.encode(opcode: .continuation, payload: Array("lo".utf8), into: &encoded)
        XCTAssertEqual(encoded, bytes)
    }

    // §5.7: "Unmasked Ping request and masked Ping response" (the response is a pong).
    func testUnmaskedPingAndMaskedPongCarryHello() {
        let ping: [UInt8] = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        XCTAssertEqual(DecoderHarness.decodeEverySplit(ping, role: .client), DecodeOutcome(events: [.ping(hello)]))
        XCTAssertEqual(FrameEncoder.pingFrame(hello), ping)

        let pong: [UInt8] = [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        XCTAssertEqual(DecoderHarness.decodeEverySplit(pong, role: .server), DecodeOutcome(events: [.pong(hello)]))
    }

    // §5.7: "256 bytes binary message in a single unmasked frame": 0x82 0x7E 0x0100.
    func testBinary256BytesUsesTheSixteenBitLength() {
        let payload = (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let frame = FrameEncoder.binaryFrame(payload)
        XCTAssertEqual(Array(frame.prefix(4)), [0x82, 0x7E, 0x01, 0x00])
        XCTAssertEqual(frame.count, 4 + 256)
        XCTAssertEqual(DecoderHarness.decode(frame, role: .client), DecodeOutcome(events: [.binary(payload)]))
    }

    // §5.7: "64KiB binary message in a single unmasked frame": 0x82 0x7F 0x0000000000010000.
    func testBinary64KiBUsesTheSixtyFourBitLength() {
        let payload = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frame = FrameEncoder.binaryFrame(payload)
        XCTAssertEqual(Array(frame.prefix(10)), [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
        XCTAssertEqual(frame.count, 10 + 65536)
        XCTAssertEqual(DecoderHarness.decode(frame, role: .client), DecodeOutcome(events: [.binary(payload)]))
        let cuts = [1, 2, 5, 9, 10, 11, 4097, 65545]
        XCTAssertEqual(DecoderHarness.decode(frame, cuts: cuts, role: .client), DecodeOutcome(events: [.binary(payload)]))
    }

    func testMaskedLargeFrameUnmasksAtEveryPhaseAcrossOddReads() {
        let payload = (0..<70_001).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        let frame = DecoderHarness.clientFrame(.binary, payload, key: 0xA1B2_C3D4)
        let cuts = [3, 7, 14, 15, 17, 22, 1001, 1002, 1003, 40_000, 70_010]
        XCTAssertEqual(DecoderHarness.decode(frame, cuts: cuts), DecodeOutcome(events: [.binary(payload)]))
    }
}
