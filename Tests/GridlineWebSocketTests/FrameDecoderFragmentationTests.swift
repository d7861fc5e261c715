import XCTest
@testable import GridlineWebSocket

/// Fragmented messages (RFC 6455 §5.4), control frames between fragments, and UTF-8
/// checking of text across fragment and read boundaries (§8.1).
final class FrameDecoderFragmentationTests: XCTestCase {
    private typealias H = DecoderHarness

    // §5.4: control frames MAY be injected in the middle of a fragmented message.
    func testPingBetweenFragmentsIsDeliveredBeforeTheMessage() {
        let bytes = H.clientFrame(.text, Array("Hel".utf8), fin: false)
            + H.clientFrame(.ping, Array("p".utf8), key: 0x0102_0304)
            + H.clientFrame(.continuation, Array("l".utf8), fin: false, key: 0xFFFF_FFFF)
            + H.clientFrame(.pong, [], key: 0)
            + H.clientFrame(.continuation, Array("o".utf8))
        XCTAssertEqual(H.decodeEverySplit(bytes),
                       DecodeOutcome(events: [.ping(Array("p".utf8)), .pong([]), .text(Array("Hello".utf8))]))
    }

    func testCloseBetweenFragmentsIsDeliveredAndTheMessageStaysOpen() {
        let bytes = H.clientFrame(.binary, [1], fin: false) + H.clientFrame(.close, [0x03, 0xE8])
            + H.clientFrame(.continuation, [2])
        XCTAssertEqual(H.decodeEverySplit(bytes), DecodeOutcome(events: [.close(code: 1000, reason: ""), .binary([1, 2])]))
    }

    func testEmptyFragmentsAndEmptyMessagesAreAllowed() {
        let bytes = H.clientFrame(.text, [], fin: false) + H.clientFrame(.continuation, [], fin: false)
            + H.clientFrame(.continuation, []) + H.clientFrame(.binary, [])
        XCTAssertEqual(H.decodeEverySplit(bytes), DecodeOutcome(events: [.text([]), .binary([])]))
    }

    func testBackToBackMessagesInOneReadComeOutOnePerCall() throws {
        let bytes = H.clientFrame(.text, Array("a".utf8)) + H.clientFrame(.binary, [2]) + H.clientFrame(.ping, [])
        var decoder = FrameDecoder(role: .server, maxMessageBytes: 10)
        try bytes.withUnsafeBytes { raw in
            let first = try decoder.decode(raw)
            XCTAssertEqual(first.consumed, 7)
            XCTAssertEqual(first.event, .text(Array("a".utf8)))
            XCTAssertTrue(decoder.isIdle)
            let second = try decoder.decode(UnsafeRawBufferPointer(rebasing: raw[7...]))
            XCTAssertEqual(second.consumed, 7)
            XCTAssertEqual(second.event, .binary([2]))
            let third = try decoder.decode(UnsafeRawBufferPointer(rebasing: raw[14...]))
            XCTAssertEqual(third.consumed, 6)
            XCTAssertEqual(third.event, .ping([]))
        }
    }

    func testPartialFrameKeepsTheDecoderBusy() throws {
        let bytes = H.clientFrame(.text, Array("abc".utf8))
        var decoder = FrameDecoder(role: .server, maxMessageBytes: 10)
        try bytes.withUnsafeBytes { raw in
            let result = try decoder.decode(UnsafeRawBufferPointer(rebasing: raw[..<4]))
            XCTAssertEqual(result.consumed, 4)
            XCTAssertNil(result.event)
            XCTAssertFalse(decoder.isIdle)
        }
    }

    // §8.1: a character may be split between fragments.
    func testMultiByteCharacterSplitAcrossFragmentsAtEveryOffsetIsAccepted() {
        let text = Array("aé€😀z".utf8)
        for cut in 0...text.count {
            let bytes = H.clientFrame(.text, Array(text[..<cut]), fin: false)
                + H.clientFrame(.continuation, Array(text[cut...]))
            XCTAssertEqual(H.decodeEverySplit(bytes), DecodeOutcome(events: [.text(text)]), "cut \(cut)")
        }
    }

    // §8.1: invalid text fails with 1007 as soon as the bad byte arrives, before FIN.
    func testInvalidByteInAnEarlyFragmentFailsBeforeTheMessageEnds() {
        let bytes = H.clientFrame(.text, [0x61, 0xFF], fin: false)
        XCTAssertEqual(H.decodeEverySplit(bytes), DecodeOutcome(error: .invalidUTF8))
        XCTAssertEqual(FrameError.invalidUTF8.closeCode, 1007)
    }

    func testInvalidSequenceSplitAcrossFragmentsAtEveryOffsetIsRefused() {
        // ED A0 80 is the surrogate U+D800.
        let text: [UInt8] = [0x61, 0xED, 0xA0, 0x80, 0x62]
        for cut in 0...text.count {
            let bytes = H.clientFrame(.text, Array(text[..<cut]), fin: false)
                + H.clientFrame(.continuation, Array(text[cut...]))
            XCTAssertEqual(H.decodeEverySplit(bytes).error, .invalidUTF8, "cut \(cut)")
        }
    }

    // §8.1: the message must end on a character boundary.
    func testTruncatedSequenceAtTheEndOfTheFinalFragmentIsInvalid() {
        let bytes = H.clientFrame(.text, [0x61, 0xE2, 0x82], fin: false) + H.clientFrame(.continuation, [])
        XCTAssertEqual(H.decodeEverySplit(bytes), DecodeOutcome(error: .invalidUTF8))
        XCTAssertEqual(H.decodeEverySplit(H.clientFrame(.text, [0xF0, 0x9F, 0x98])), DecodeOutcome(error: .invalidUTF8))
    }

    func testBinaryMessagesAreNotUTF8Checked() {
        let bytes = H.clientFrame(.binary, [0xFF, 0xC0], fin: false) + H.clientFrame(.continuation, [0xED])
        XCTAssertEqual(H.decodeEverySplit(bytes), DecodeOutcome(events: [.binary([0xFF, 0xC0, 0xED])]))
    }

    func testPingPayloadsAreNotUTF8Checked() {
        XCTAssertEqual(H.decodeEverySplit(H.clientFrame(.ping, [0xFF])), DecodeOutcome(events: [.ping([0xFF])]))
    }

    func testTextValidityDoesNotLeakIntoTheNextMessage() {
        let bytes = H.clientFrame(.text, Array("ok".utf8)) + H.clientFrame(.text, Array("é".utf8))
        XCTAssertEqual(H.decodeEverySplit(bytes), DecodeOutcome(events: [.text(Array("ok".utf8)), .text(Array("é".utf8))]))
    }
}
