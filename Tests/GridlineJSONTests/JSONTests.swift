import XCTest
@testable import GridlineJSON

final class JSONTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    func testScalarsParseToTheirTypes() throws {
        XCTAssertEqual(try parse("null"), .null)
        XCTAssertEqual(try parse("true"), .bool(true))
        XCTAssertEqual(try parse(" false "), .bool(false))
        XCTAssertEqual(try parse("0"), .number(0))
        XCTAssertEqual(try parse("-12"), .number(-12))
        XCTAssertEqual(try parse("3.25"), .number(3.25))
        XCTAssertEqual(try parse("1e3"), .number(1000))
        XCTAssertEqual(try parse("-2.5E-2"), .number(-0.025))
        XCTAssertEqual(try parse("1642161000000"), .number(1_642_161_000_000))
        XCTAssertEqual(try parse("12345678901234567890"), .number(1.2345678901234567e19))
        XCTAssertEqual(try parse("\"hi\""), .string("hi"))
    }

    func testObjectsKeepMemberOrder() throws {
        let value = try parse(#"{"z":1,"a":[true,null,"x"],"m":{"k":"v"}}"#)
        guard case .object(let object) = value else { return XCTFail("not an object") }
        XCTAssertEqual(object.members.map(\.0), ["z", "a", "m"])
        XCTAssertEqual(object["a"], .array([.bool(true), .null, .string("x")]))
        XCTAssertEqual(object["m"]?.objectValue?["k"], .string("v"))
        XCTAssertNil(object["missing"])
        XCTAssertEqual(value.serializedString, #"{"z":1,"a":[true,null,"x"],"m":{"k":"v"}}"#)
    }

    func testEscapesAndUnicodeDecode() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u4e2d""#), .string("é中"))
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try parse("\"héllo 😀\""), .string("héllo 😀"))
    }

    func testInvalidDocumentsAreRefusedWithOffset() {
        let bad = ["", " ", "{", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1",
                   "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
                   "\"a\u{1}b\"", "[1 2]", "{} {}", "1 x", "NaN", "Infinity", "[\"\\", "{\"a\":1,}"]
        for text in bad {
            XCTAssertThrowsError(try parse(text), "accepted \(text.debugDescription)")
        }
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]))  // bad continuation byte
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]))  // encoded surrogate
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xC0, 0xAF, 0x22]))  // overlong
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]))  // > U+10FFFF
        do {
            _ = try parse("[1,2,x]")
            XCTFail("accepted")
        } catch let error as JSONError {
            XCTAssertEqual(error.offset, 5)
        } catch { XCTFail("wrong error \(error)") }
    }

    func testNestingDeeperThanTheLimitIsRefused() {
        XCTAssertNoThrow(try parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)))
        XCTAssertThrowsError(try parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)))
        XCTAssertThrowsError(try parse(String(repeating: "[", count: 100_000)))
    }

    func testSerializationEscapesControlCharactersAndQuotes() {
        XCTAssertEqual(JSONValue.string("a\"b\\c\n\u{1}é").serializedString, #""a\"b\\c\n\u0001é""#)
        XCTAssertEqual(JSONValue.number(3).serializedString, "3")
        XCTAssertEqual(JSONValue.number(-0.5).serializedString, "-0.5")
        XCTAssertEqual(JSONValue.number(1e300).serializedString, "1e+300")
        XCTAssertEqual(JSONValue.number(.nan).serializedString, "null")
        XCTAssertEqual(JSONValue.number(-9_007_199_254_740_991).serializedString, "-9007199254740991")
    }

    func testRoundTripPreservesValues() throws {
        let samples: [JSONValue] = [
            ["type": "cursor_move", "x": 10, "y": 2.5, "meta": ["sid": 3, "seq": 99, "ts": 123_456_789_012]],
            [1, "two", nil, false, ["nested": []]],
            .string(String(repeating: "é\"\\\t", count: 50)),
        ]
        for sample in samples {
            XCTAssertEqual(try JSONParser.parse(sample.serialized()), sample)
        }
    }

    func testIntegerAccessorOnlyAcceptsIntegralNumbers() {
        XCTAssertEqual(JSONValue.number(42).int64Value, 42)
        XCTAssertNil(JSONValue.number(4.2).int64Value)
        XCTAssertNil(JSONValue.number(1e300).int64Value)
        XCTAssertNil(JSONValue.string("42").int64Value)
    }
}
