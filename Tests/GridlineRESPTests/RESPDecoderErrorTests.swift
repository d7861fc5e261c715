import XCTest
import GridlineRESP

final class RESPDecoderErrorTests: XCTestCase {
    private func decodeError(_ bytes: [UInt8], limits: RESPDecoder.Limits = RESPDecoder.Limits()) -> RESPError? {
        do {
            _ = try RESPDecoder(limits: limits).decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    private func decodeError(_ text: String, limits: RESPDecoder.Limits = RESPDecoder.Limits()) -> RESPError? {
        decodeError(Array(text.utf8), limits: limits)
    }

    func testGarbageTypeByteIsAProtocolError() {
        XCTAssertEqual(decodeError("HTTP/1.1 400 Bad Request\r\n"), .unknownType(UInt8(ascii: "H")))
        XCTAssertEqual(decodeError("*1\r\n?x\r\n"), .unknownType(UInt8(ascii: "?")))
        XCTAssertEqual(decodeError([0]), .unknownType(0))
    }

    func testNonNumericLengthsAreRefused() {
        XCTAssertEqual(decodeError("$abc\r\n"), .invalidNumber("abc"))
        XCTAssertEqual(decodeError("*\r\n"), .invalidNumber(""))
        XCTAssertEqual(decodeError(":12x\r\n"), .invalidNumber("12x"))
        XCTAssertEqual(decodeError(":-\r\n"), .invalidNumber("-"))
        XCTAssertEqual(decodeError("$-2\r\n"), .invalidNumber("-2"))
        XCTAssertEqual(decodeError("*-5\r\n"), .invalidNumber("-5"))
    }

    func testIntegersBeyondSixtyFourBitsAreRefused() {
        XCTAssertEqual(decodeError(":9223372036854775808\r\n"), .invalidNumber("9223372036854775808"))
        XCTAssertEqual(decodeError(":99999999999999999999999\r\n"), .invalidNumber("99999999999999999999999"))
        XCTAssertNil(decodeError(":9223372036854775807\r\n"))
    }

    func testBulkLongerThan512MegabytesIsRefusedBeforeAnyPayloadArrives() {
        XCTAssertEqual(decodeError("$536870913\r\n"), .bulkTooLong(536_870_913))
        XCTAssertEqual(decodeError("$99999999999999\r\n"), .bulkTooLong(99_999_999_999_999))
        XCTAssertNil(decodeError("$536870912\r\n"), "exactly 512 MB is allowed and merely incomplete")
    }

    func testAbsurdAggregateCountsAreRefused() {
        XCTAssertEqual(decodeError("*99999999999\r\n"), .aggregateTooLong(99_999_999_999))
        XCTAssertEqual(decodeError("%99999999999\r\n"), .aggregateTooLong(99_999_999_999))
        var limits = RESPDecoder.Limits()
        limits.maxAggregateCount = 2
        XCTAssertEqual(decodeError("*3\r\n", limits: limits), .aggregateTooLong(3))
    }

    func testNestingDeeperThanTheLimitIsRefused() {
        let deep = String(repeating: "*1\r\n", count: 65) + ":1\r\n"
        XCTAssertEqual(decodeError(deep), .nestingTooDeep(64))
        let allowed = String(repeating: "*1\r\n", count: 64) + ":1\r\n"
        XCTAssertNil(decodeError(allowed))
        // A hostile server sending a million openers still gets an error, not a stack overflow.
        XCTAssertEqual(decodeError(String(repeating: "*1\r\n", count: 1_000_000)), .nestingTooDeep(64))
    }

    func testLineWithoutCRLFIsRefusedPastTheLimit() {
        var limits = RESPDecoder.Limits()
        limits.maxLineLength = 16
        XCTAssertNil(decodeError("+" + String(repeating: "a", count: 16), limits: limits), "still incomplete")
        XCTAssertEqual(decodeError("+" + String(repeating: "a", count: 17), limits: limits), .lineTooLong)
        XCTAssertEqual(decodeError(Array("+".utf8) + [UInt8](repeating: 65, count: 70_000)), .lineTooLong)
    }

    func testBulkPayloadNotFollowedByCRLFIsRefused() {
        XCTAssertEqual(decodeError("$3\r\nabcde\r\n"), .missingCRLF)
        XCTAssertEqual(decodeError("+OK\rX"), .missingCRLF)
    }

    func testMalformedRESP3ScalarsAreRefused() {
        XCTAssertEqual(decodeError("#x\r\n"), .malformed("boolean"))
        XCTAssertEqual(decodeError(",one\r\n"), .malformed("double"))
        XCTAssertEqual(decodeError("(12a\r\n"), .malformed("big number"))
        XCTAssertEqual(decodeError("=3\r\ntxt\r\n"), .malformed("verbatim string"))
        XCTAssertEqual(decodeError("_x\r\n"), .malformed("null"))
    }

    func testErrorsDescribeThemselves() {
        XCTAssertEqual(RESPError.bulkTooLong(600_000_000).description,
                       "RESP: bulk string of 600000000 bytes exceeds the limit")
        XCTAssertEqual(RESPError.unknownType(0x48).description, "RESP: unknown type byte 0x48")
    }
}
