import XCTest
import GridlineRESP

final class RESPDecoderStreamingTests: XCTestCase {
    /// A stream of several replies of every type, as a server would send them back to back.
    private let stream = Array(("+OK\r\n:42\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n*0\r\n"
        + "*3\r\n$3\r\nfoo\r\n*2\r\n:1\r\n-ERR inner\r\n$0\r\n\r\n-NOSCRIPT No matching script\r\n"
        + "%1\r\n+k\r\n#t\r\n,3.5\r\n_\r\n>2\r\n+a\r\n+b\r\n").utf8)

    private func decodeAll(_ bytes: [UInt8]) throws -> (values: [RESPValue], rest: Int) {
        var values: [RESPValue] = []
        var offset = 0
        let decoder = RESPDecoder()
        while let (value, consumed) = try decoder.decode(Array(bytes[offset...])) {
            values.append(value)
            offset += consumed
        }
        return (values, bytes.count - offset)
    }

    func testStreamOfRepliesDecodesInOrder() throws {
        let (values, rest) = try decodeAll(stream)
        XCTAssertEqual(rest, 0)
        XCTAssertEqual(values, [
            .simpleString("OK"), .integer(42), .bulkString(Array("he\r\no".utf8)), .null, .null, .array([]),
            .array([.bulkString(Array("foo".utf8)), .array([.integer(1), .error("ERR inner")]), .bulkString([])]),
            .error("NOSCRIPT No matching script"),
            .map([RESPPair(key: .simpleString("k"), value: .boolean(true))]), .double(3.5), .null,
            .push([.simpleString("a"), .simpleString("b")]),
        ])
    }

    func testStreamSplitAtEveryOffsetGivesTheSameReplies() throws {
        let (whole, _) = try decodeAll(stream)
        let decoder = RESPDecoder()
        for split in 0...stream.count {
            // Feed the first part, keep what is left unconsumed, then append the second part.
            var buffer = Array(stream[..<split])
            var values: [RESPValue] = []
            for part in [Array(stream[split...]), []] {
                while let (value, consumed) = try decoder.decode(buffer) {
                    values.append(value)
                    buffer.removeFirst(consumed)
                }
                buffer.append(contentsOf: part)
            }
            XCTAssertEqual(values, whole, "split at \(split)")
            XCTAssertTrue(buffer.isEmpty, "split at \(split)")
        }
    }

    func testStreamFedOneByteAtATimeGivesTheSameReplies() throws {
        let (whole, _) = try decodeAll(stream)
        let decoder = RESPDecoder()
        var buffer: [UInt8] = []
        var values: [RESPValue] = []
        for byte in stream {
            buffer.append(byte)
            while let (value, consumed) = try decoder.decode(buffer) {
                values.append(value)
                buffer.removeFirst(consumed)
            }
        }
        XCTAssertEqual(values, whole)
    }

    func testEveryStrictPrefixOfAReplyIsIncomplete() throws {
        let reply = Array("*2\r\n$3\r\nabc\r\n*1\r\n:123\r\n".utf8)
        for length in 0..<reply.count {
            XCTAssertNil(try RESPDecoder().decode(Array(reply[..<length])), "prefix \(length)")
        }
    }

    func testBytesAfterAReplyAreLeftForTheNextOne() throws {
        let decoded = try XCTUnwrap(try RESPDecoder().decode(Array(":1\r\n+PAR".utf8)))
        XCTAssertEqual(decoded.value, .integer(1))
        XCTAssertEqual(decoded.consumed, 4)
    }

    func testValueAccessorsReadTheCommonShapes() {
        XCTAssertEqual(RESPValue.bulkString(Array("17".utf8)).integer, 17)
        XCTAssertEqual(RESPValue.simpleString("OK").string, "OK")
        XCTAssertEqual(RESPValue.integer(3).string, nil)
        XCTAssertEqual(RESPValue.error("ERR x").errorMessage, "ERR x")
        XCTAssertEqual(RESPValue.push([.integer(1)]).array, [.integer(1)])
        XCTAssertTrue(RESPValue.null.isNull)
    }
}
