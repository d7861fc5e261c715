import XCTest
import GridlineRESP

final class RESPCommandEncoderTests: XCTestCase {
    func testCommandIsAnArrayOfBulkStringsAsInTheSpec() {
        // The spec's example: LLEN mylist.
        var buffer: [UInt8] = []
        RESPCommandEncoder.encode(["LLEN", "mylist"], into: &buffer)
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "*2\r\n$4\r\nLLEN\r\n$6\r\nmylist\r\n")
    }

    func testMixedArgumentsAreEncodedAsBulkStrings() {
        var buffer: [UInt8] = []
        let value: [UInt8] = [0, 13, 10, 255]
        RESPCommandEncoder.encode(["SET", "k", value, "NX", "PX", 5000], into: &buffer)
        let expected = Array("*6\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n".utf8) + value
            + Array("\r\n$2\r\nNX\r\n$2\r\nPX\r\n$4\r\n5000\r\n".utf8)
        XCTAssertEqual(buffer, expected)
    }

    func testNumbersAndEmptyArgumentsEncodeExactly() {
        var buffer: [UInt8] = []
        RESPCommandEncoder.encode([0, -12, Int.min, Int64(7), UInt64.max, ""], into: &buffer)
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self),
                       "*6\r\n$1\r\n0\r\n$3\r\n-12\r\n$20\r\n-9223372036854775808\r\n$1\r\n7\r\n"
                       + "$20\r\n18446744073709551615\r\n$0\r\n\r\n")
    }

    func testSingleDigitNegativeNumbersHaveNoLeadingZero() {
        // Redis refuses "-01" as an integer ("ZRANGE key 0 -1" must send "-1").
        var buffer: [UInt8] = []
        RESPCommandEncoder.encode([-1, -9, -10], into: &buffer)
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "*3\r\n$2\r\n-1\r\n$2\r\n-9\r\n$3\r\n-10\r\n")
    }

    func testUTF8ArgumentLengthsCountBytes() {
        var buffer: [UInt8] = []
        RESPCommandEncoder.encode(["é"], into: &buffer)
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "*1\r\n$2\r\né\r\n")
    }

    func testEncodedCommandDecodesBackToItsArguments() throws {
        var buffer: [UInt8] = []
        RESPCommandEncoder.encode(["PUBLISH", "room:1", "hello\r\nworld"], into: &buffer)
        RESPCommandEncoder.encode(["PING"], into: &buffer)
        let first = try XCTUnwrap(try RESPDecoder().decode(buffer))
        XCTAssertEqual(first.value.array?.compactMap(\.string), ["PUBLISH", "room:1", "hello\r\nworld"])
        let second = try XCTUnwrap(try RESPDecoder().decode(Array(buffer[first.consumed...])))
        XCTAssertEqual(second.value.array?.compactMap(\.string), ["PING"])
    }
}
