import XCTest
import GridlineRESP

/// Examples given verbatim in the RESP specification
/// (https://redis.io/docs/latest/develop/reference/protocol-spec/, RESP2 and RESP3 sections).
final class RESPSpecVectorTests: XCTestCase {
    private func decodeWhole(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> RESPValue {
        let bytes = Array(text.utf8)
        let decoded = try XCTUnwrap(try RESPDecoder().decode(bytes), "incomplete", file: file, line: line)
        XCTAssertEqual(decoded.consumed, bytes.count, "consumed", file: file, line: line)
        return decoded.value
    }

    func testSimpleStringsErrorsAndIntegersFromTheSpec() throws {
        XCTAssertEqual(try decodeWhole("+OK\r\n"), .simpleString("OK"))
        XCTAssertEqual(try decodeWhole("-Error message\r\n"), .error("Error message"))
        XCTAssertEqual(try decodeWhole("-ERR unknown command 'asdf'\r\n"), .error("ERR unknown command 'asdf'"))
        XCTAssertEqual(try decodeWhole(":0\r\n"), .integer(0))
        XCTAssertEqual(try decodeWhole(":1000\r\n"), .integer(1000))
        XCTAssertEqual(try decodeWhole(":-52\r\n"), .integer(-52))
        XCTAssertEqual(try decodeWhole(":+7\r\n"), .integer(7))
    }

    func testBulkStringsAndNullsFromTheSpec() throws {
        XCTAssertEqual(try decodeWhole("$5\r\nhello\r\n"), .bulkString(Array("hello".utf8)))
        XCTAssertEqual(try decodeWhole("$0\r\n\r\n"), .bulkString([]))
        XCTAssertEqual(try decodeWhole("$-1\r\n"), .null)
        XCTAssertEqual(try decodeWhole("*-1\r\n"), .null)
        XCTAssertEqual(try decodeWhole("_\r\n"), .null)
    }

    func testBulkStringsAreBinarySafe() throws {
        XCTAssertEqual(try decodeWhole("$4\r\na\r\nb\r\n"), .bulkString(Array("a\r\nb".utf8)))
    }

    func testArraysFromTheSpec() throws {
        XCTAssertEqual(try decodeWhole("*0\r\n"), .array([]))
        XCTAssertEqual(try decodeWhole("*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n"),
                       .array([.bulkString(Array("hello".utf8)), .bulkString(Array("world".utf8))]))
        XCTAssertEqual(try decodeWhole("*3\r\n:1\r\n:2\r\n:3\r\n"), .array([.integer(1), .integer(2), .integer(3)]))
        XCTAssertEqual(try decodeWhole("*5\r\n:1\r\n:2\r\n:3\r\n:4\r\n$5\r\nhello\r\n"),
                       .array([.integer(1), .integer(2), .integer(3), .integer(4), .bulkString(Array("hello".utf8))]))
        XCTAssertEqual(try decodeWhole("*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n"),
                       .array([.array([.integer(1), .integer(2), .integer(3)]),
                               .array([.simpleString("Hello"), .error("World")])]))
        XCTAssertEqual(try decodeWhole("*3\r\n$5\r\nhello\r\n$-1\r\n$5\r\nworld\r\n"),
                       .array([.bulkString(Array("hello".utf8)), .null, .bulkString(Array("world".utf8))]))
    }

    func testRESP3TypesFromTheSpec() throws {
        XCTAssertEqual(try decodeWhole("#t\r\n"), .boolean(true))
        XCTAssertEqual(try decodeWhole("#f\r\n"), .boolean(false))
        XCTAssertEqual(try decodeWhole(",1.23\r\n"), .double(1.23))
        XCTAssertEqual(try decodeWhole(",10\r\n"), .double(10))
        XCTAssertEqual(try decodeWhole(",inf\r\n"), .double(.infinity))
        XCTAssertEqual(try decodeWhole(",-inf\r\n"), .double(-.infinity))
        guard case .double(let nan) = try decodeWhole(",nan\r\n") else { return XCTFail("not a double") }
        XCTAssertTrue(nan.isNaN)
        XCTAssertEqual(try decodeWhole("(3492890328409238509324850943850943825024385\r\n"),
                       .bigNumber("3492890328409238509324850943850943825024385"))
        XCTAssertEqual(try decodeWhole("!21\r\nSYNTAX invalid syntax\r\n"), .error("SYNTAX invalid syntax"))
        XCTAssertEqual(try decodeWhole("=15\r\ntxt:Some string\r\n"),
                       .verbatimString(format: "txt", text: Array("Some string".utf8)))
        XCTAssertEqual(try decodeWhole("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n"),
                       .map([RESPPair(key: .simpleString("first"), value: .integer(1)),
                             RESPPair(key: .simpleString("second"), value: .integer(2))]))
        XCTAssertEqual(try decodeWhole("~2\r\n+orange\r\n+apple\r\n"), .set([.simpleString("orange"), .simpleString("apple")]))
        XCTAssertEqual(try decodeWhole(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
                       .push([.bulkString(Array("message".utf8)), .bulkString(Array("ch".utf8)), .bulkString(Array("hi".utf8))]))
    }

    func testAttributesAreSkippedBeforeTheReplyTheyDescribe() throws {
        let text = "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n"
        XCTAssertEqual(try decodeWhole(text), .array([.integer(2039123), .integer(9543892)]))
    }
}
