import XCTest
@testable import GridlineWebSocket

/// Exact frame bytes for each header size of RFC 6455 §5.2, unmasked and masked.
final class FrameEncoderTests: XCTestCase {
    private func payload(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ 3) } }

    private func assertUnmasked(_ count: Int, header: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let body = payload(count)
        let frame = FrameEncoder.binaryFrame(body)
        XCTAssertEqual(frame, header + body, file: file, line: line)
        XCTAssertEqual(FrameEncoder.headerLength(payloadCount: count, masked: false), header.count, file: file, line: line)
    }

    func testEmptyPayloadHasATwoByteHeader() { assertUnmasked(0, header: [0x82, 0x00]) }
    func testPayloadOf125HasATwoByteHeader() { assertUnmasked(125, header: [0x82, 0x7D]) }
    func testPayloadOf126HasAFourByteHeader() { assertUnmasked(126, header: [0x82, 0x7E, 0x00, 0x7E]) }
    func testPayloadOf65535HasAFourByteHeader() { assertUnmasked(65535, header: [0x82, 0x7E, 0xFF, 0xFF]) }
    func testPayloadOf65536HasATenByteHeader() {
        assertUnmasked(65536, header: [0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00])
    }

    func testMaskedFramesAddTheKeyAfterTheLengthAndRoundTrip() {
        for (count, lengthBytes) in [(0, [UInt8(0x80)]), (125, [0xFD]), (126, [0xFE, 0x00, 0x7E]),
                                     (65535, [0xFE, 0xFF, 0xFF]), (65536, [0xFF, 0, 0, 0, 0, 0, 1, 0, 0])] {
            let body = payload(count)
            var frame: [UInt8] = []
            FrameEncoder.encodeMasked(opcode: .text, payload: body, maskKey: 0xDEAD_BEEF, into: &frame)
            XCTAssertEqual(Array(frame.prefix(1 + lengthBytes.count + 4)), [0x81] + lengthBytes + [0xDE, 0xAD, 0xBE, 0xEF])
            XCTAssertEqual(FrameEncoder.headerLength(payloadCount: count, masked: true), 1 + lengthBytes.count + 4)
            let masked = Array(frame.dropFirst(1 + lengthBytes.count + 4))
            let key: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]
            XCTAssertEqual(masked.enumerated().map { $0.element ^ key[$0.offset % 4] }, body, "count \(count)")
        }
    }

    func testFinClearAndOpcodeAreInTheFirstByte() {
        var out: [UInt8] = []
        FrameEncoder.encode(opcode: .binary, payload: [1], fin: false, into: &out)
        FrameEncoder.encode(opcode: .continuation, payload: [2], into: &out)
        XCTAssertEqual(out, [0x02, 0x01, 0x01, 0x80, 0x01, 0x02])
    }

    func testFramesAppendToTheExistingBuffer() {
        var out: [UInt8] = [0xAA]
        FrameEncoder.encode(opcode: .pong, payload: [UInt8](), into: &out)
        XCTAssertEqual(out, [0xAA, 0x8A, 0x00])
    }

    func testRawBufferAndCollectionPayloadsEncodeTheSame() {
        let body = payload(300)
        var fromRaw: [UInt8] = []
        body.withUnsafeBytes { FrameEncoder.encode(opcode: .text, payload: $0, into: &fromRaw) }
        var fromSlice: [UInt8] = []
        FrameEncoder.encode(opcode: .text, payload: body[...], into: &fromSlice)
        var fromLazy: [UInt8] = []
        FrameEncoder.encode(opcode: .text, payload: body.lazy.map { $0 }, into: &fromLazy)
        XCTAssertEqual(fromRaw, fromSlice)
        XCTAssertEqual(fromRaw, fromLazy)
    }

    func testMaskingMatchesAPlainXorForEveryLengthAndPhase() {
        for count in 0..<40 {
            for phase in 0..<4 {
                var bytes = payload(count)
                let key: UInt32 = 0x4433_2211  // wire bytes 11 22 33 44 packed little-endian
                bytes.withUnsafeMutableBytes { Masking.apply(Masking.key(key, atPayloadOffset: phase), to: $0) }
                let wire: [UInt8] = [0x11, 0x22, 0x33, 0x44]
                let expected = payload(count).enumerated().map { $0.element ^ wire[($0.offset + phase) % 4] }
                XCTAssertEqual(bytes, expected, "count \(count) phase \(phase)")
            }
        }
    }
}
