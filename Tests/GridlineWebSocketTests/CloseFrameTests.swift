import XCTest
@testable import GridlineWebSocket

/// Close frame bodies (RFC 6455 §5.5.1) and close code validity (§7.4).
final class CloseFrameTests: XCTestCase {
    private typealias H = DecoderHarness

    private func closeFrame(_ body: [UInt8]) -> [UInt8] { H.clientFrame(.close, body) }

    private func body(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] {
        [UInt8(code >> 8), UInt8(code & 0xFF)] + reason
    }

    func testEmptyCloseBodyHasNoCode() {
        XCTAssertEqual(H.decodeEverySplit(closeFrame([])), DecodeOutcome(events: [.close(code: nil, reason: "")]))
    }

    func testOneByteCloseBodyIsAProtocolError() {
        XCTAssertEqual(H.decodeEverySplit(closeFrame([0x03])), DecodeOutcome(error: .closePayloadTooShort))
        XCTAssertEqual(FrameError.closePayloadTooShort.closeCode, 1002)
    }

    func testCodeAndUTF8ReasonAreDelivered() {
        let frame = closeFrame(body(1000, Array("bye ✓".utf8)))
        XCTAssertEqual(H.decodeEverySplit(frame), DecodeOutcome(events: [.close(code: 1000, reason: "bye ✓")]))
    }

    func testInvalidUTF8ReasonIsInvalidPayload() {
        let outcome = H.decodeEverySplit(closeFrame(body(1000, [0x61, 0xC0, 0xAF])))
        XCTAssertEqual(outcome, DecodeOutcome(error: .invalidCloseReason))
        XCTAssertEqual(FrameError.invalidCloseReason.closeCode, 1007)
    }

    // §7.4.1, §7.4.2: codes a peer may send.
    func testDefinedAndApplicationCodesAreAccepted() {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] {
            XCTAssertTrue(CloseCode.isValidOnWire(code), "\(code)")
            XCTAssertEqual(H.decode(closeFrame(body(code))), DecodeOutcome(events: [.close(code: code, reason: "")]))
        }
    }

    // §7.4.1, §7.4.2: unused, reserved and must-not-send codes fail with 1002.
    func testUnusedReservedAndMarkerCodesAreProtocolErrors() {
        for code: UInt16 in [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
            XCTAssertFalse(CloseCode.isValidOnWire(code), "\(code)")
            XCTAssertEqual(H.decode(closeFrame(body(code))), DecodeOutcome(error: .invalidCloseCode(code)))
            XCTAssertEqual(FrameError.invalidCloseCode(code).closeCode, 1002)
        }
    }

    func testCloseCodeConstantsMatchTheRegistry() {
        XCTAssertEqual(
            [CloseCode.normal, CloseCode.goingAway, CloseCode.protocolError, CloseCode.unsupportedData,
             CloseCode.invalidPayload, CloseCode.policyViolation, CloseCode.messageTooBig,
             CloseCode.internalError, CloseCode.tryAgainLater],
            [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 1013])
    }

    func testClosePayloadPutsTheCodeInNetworkOrder() {
        XCTAssertEqual(FrameEncoder.closePayload(code: 1001, reason: "bye"), [0x03, 0xE9, 0x62, 0x79, 0x65])
        XCTAssertEqual(FrameEncoder.closeFrame(code: 1000), [0x88, 0x02, 0x03, 0xE8])
    }

    func testLongCloseReasonIsCutAtACharacterBoundaryToFitAControlFrame() {
        let reason = String(repeating: "é", count: 100)  // 200 bytes
        let payload = FrameEncoder.closePayload(code: 1008, reason: reason)
        XCTAssertEqual(payload.count, 2 + 122)
        XCTAssertTrue(UTF8Validator.isValid(payload[2...]))
        let frame = FrameEncoder.closeFrame(code: 1008, reason: reason)
        XCTAssertEqual(H.decode(frame, role: .client),
                       DecodeOutcome(events: [.close(code: 1008, reason: String(repeating: "é", count: 61))]))
    }
}
