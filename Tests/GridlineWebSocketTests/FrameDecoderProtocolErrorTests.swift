import XCTest
@testable import GridlineWebSocket

/// Each framing rule of RFC 6455 §5 that fails the connection, with its close code. Every
/// input is also fed split at every offset and one byte at a time.
final class FrameDecoderProtocolErrorTests: XCTestCase {
    private typealias H = DecoderHarness

    private func assertFails(
        _ bytes: [UInt8], with error: FrameError, code: UInt16, role: FrameDecoder.Role = .server,
        limit: Int = DecoderHarness.defaultLimit, eventsBefore: [WebSocketEvent] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let outcome = H.decodeEverySplit(bytes, role: role, limit: limit, file: file, line: line)
        XCTAssertEqual(outcome, DecodeOutcome(events: eventsBefore, error: error), file: file, line: line)
        XCTAssertEqual(error.closeCode, code, file: file, line: line)
    }

    // §5.2: RSV1, RSV2 and RSV3 MUST be 0 without a negotiated extension.
    func testEachReservedBitIsAProtocolError() {
        for bit: UInt8 in [0x40, 0x20, 0x10] {
            assertFails(H.rawClientFrame(byte0: 0x82 | bit, payload: [1]), with: .reservedBitsSet, code: 1002)
        }
    }

    // §5.2: opcodes 0x3–0x7 and 0xB–0xF are reserved.
    func testEveryReservedOpcodeIsAProtocolError() {
        for opcode: UInt8 in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assertFails(H.rawClientFrame(byte0: 0x80 | opcode), with: .unknownOpcode(opcode), code: 1002)
        }
    }

    // §5.1: a server MUST close the connection on an unmasked client frame.
    func testUnmaskedClientFrameIsAProtocolErrorForAServer() {
        assertFails(FrameEncoder.textFrame(Array("hi".utf8)), with: .unmaskedClientFrame, code: 1002)
    }

    // §5.1: a client MUST close the connection on a masked server frame.
    func testMaskedServerFrameIsAProtocolErrorForAClient() {
        assertFails(H.clientFrame(.text, Array("hi".utf8)), with: .maskedServerFrame, code: 1002, role: .client)
    }

    // §5.5: control frames MUST NOT be fragmented.
    func testControlFrameWithoutFinIsAProtocolError() {
        for opcode: Opcode in [.ping, .pong, .close] {
            assertFails(H.clientFrame(opcode, [], fin: false), with: .fragmentedControlFrame, code: 1002)
        }
    }

    // §5.5: control frames carry at most 125 bytes.
    func testControlFrameOver125BytesIsAProtocolError() {
        let ok = H.decodeEverySplit(H.clientFrame(.ping, [UInt8](repeating: 7, count: 125)))
        XCTAssertEqual(ok, DecodeOutcome(events: [.ping([UInt8](repeating: 7, count: 125))]))
        for opcode: Opcode in [.ping, .pong, .close] {
            assertFails(H.clientFrame(opcode, [UInt8](repeating: 0x41, count: 126)), with: .controlFrameTooLong, code: 1002)
        }
    }

    // §5.4: a continuation frame needs a message in progress.
    func testContinuationWithoutAMessageIsAProtocolError() {
        assertFails(H.clientFrame(.continuation, Array("x".utf8)), with: .unexpectedContinuation, code: 1002)
        let afterFinished = H.clientFrame(.text, Array("a".utf8)) + H.clientFrame(.continuation, Array("b".utf8))
        assertFails(afterFinished, with: .unexpectedContinuation, code: 1002, eventsBefore: [.text(Array("a".utf8))])
    }

    // §5.4: a new data frame while a fragmented message is open.
    func testNewDataFrameInsideAFragmentedMessageIsAProtocolError() {
        for second: Opcode in [.text, .binary] {
            let bytes = H.clientFrame(.text, Array("a".utf8), fin: false) + H.clientFrame(second, Array("b".utf8))
            assertFails(bytes, with: .expectedContinuation, code: 1002)
        }
    }

    // §5.2: the most significant bit of a 64-bit length MUST be 0.
    func testSixtyFourBitLengthWithTopBitSetIsAProtocolError() {
        let bytes: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0] + [1, 2, 3, 4]
        assertFails(bytes, with: .lengthTopBitSet, code: 1002)
    }

    // §5.2: "the minimal number of bytes MUST be used to encode the length". We refuse.
    func testNonMinimalLengthEncodingsAreProtocolErrors() {
        let sixteen: [UInt8] = [0x82, 0xFE, 0x00, 0x7D] + [1, 2, 3, 4]
        assertFails(sixteen, with: .nonMinimalLength, code: 1002)
        let sixtyFour: [UInt8] = [0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + [1, 2, 3, 4]
        assertFails(sixtyFour, with: .nonMinimalLength, code: 1002)
        // The smallest lengths that need each form are accepted.
        let minimal16 = H.clientFrame(.binary, [UInt8](repeating: 1, count: 126))
        XCTAssertEqual(Array(minimal16[1...3]), [0xFE, 0x00, 0x7E])
        XCTAssertEqual(H.decode(minimal16).events.count, 1)
        let minimal64 = H.clientFrame(.binary, [UInt8](repeating: 1, count: 65536))
        XCTAssertEqual(H.decode(minimal64).events.count, 1)
    }

    // §7.4.1 (1009), decided from the header: the payload is never sent here.
    func testOversizedFrameIsRefusedFromItsHeaderAlone() {
        let header: [UInt8] = [0x82, 0xFF, 0, 0, 0, 0x01, 0, 0, 0, 0] + [1, 2, 3, 4]
        assertFails(header, with: .messageTooBig, code: 1009, limit: 1 << 20)
        let exact = H.clientFrame(.binary, [UInt8](repeating: 9, count: 100))
        XCTAssertEqual(H.decode(exact, limit: 100).events.count, 1)
        assertFails(Array(exact.prefix(6)), with: .messageTooBig, code: 1009, limit: 99)
    }

    // §7.4.1 (1009): the limit covers the sum of the fragments.
    func testFragmentsWhoseSumExceedsTheLimitAreRefusedAtTheOffendingHeader() {
        let first = H.clientFrame(.binary, [UInt8](repeating: 1, count: 60), fin: false)
        let second = H.clientFrame(.continuation, [UInt8](repeating: 2, count: 41))
        assertFails(first + Array(second.prefix(6)), with: .messageTooBig, code: 1009, limit: 100)
        let fits = H.clientFrame(.continuation, [UInt8](repeating: 2, count: 40))
        XCTAssertEqual(H.decode(first + fits, limit: 100).events.count, 1)
    }

    func testControlFramesDoNotCountTowardsTheMessageLimit() {
        let bytes = H.clientFrame(.binary, [1, 2, 3], fin: false) + H.clientFrame(.ping, [UInt8](repeating: 0, count: 100))
            + H.clientFrame(.continuation, [4, 5])
        XCTAssertEqual(H.decodeEverySplit(bytes, limit: 5),
                       DecodeOutcome(events: [.ping([UInt8](repeating: 0, count: 100)), .binary([1, 2, 3, 4, 5])]))
    }

    func testDecoderStaysFailedAfterAnError() {
        var decoder = FrameDecoder(role: .server, maxMessageBytes: 100)
        let inputs = [FrameEncoder.textFrame([0x41]), H.clientFrame(.text, [0x41])]
        for input in inputs {
            let error = input.withUnsafeBytes { raw -> FrameError? in
                do throws(FrameError) {
                    _ = try decoder.decode(raw)
                    return nil
                } catch {
                    return error
                }
            }
            XCTAssertEqual(error, .unmaskedClientFrame)
        }
    }
}
