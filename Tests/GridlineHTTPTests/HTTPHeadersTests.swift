import XCTest
import GridlineHTTP

final class HTTPHeadersTests: XCTestCase {
    func testLookupIgnoresCaseAndReturnsTheFirstValue() {
        let headers: HTTPHeaders = ["Content-Type": "a", "content-type": "b"]
        XCTAssertEqual(headers["CONTENT-TYPE"], "a")
        XCTAssertEqual(headers.values("Content-Type"), ["a", "b"])
        XCTAssertNil(headers["Content-Length"])
    }

    func testTokensAreFoundAcrossListsAndLines() {
        let headers = HTTPHeaders([("Connection", "keep-alive , Upgrade"), ("connection", "x")])
        XCTAssertTrue(headers.containsToken("Connection", "upgrade"))
        XCTAssertTrue(headers.containsToken("connection", "X"))
        XCTAssertFalse(headers.containsToken("Connection", "close"))
        XCTAssertFalse(headers.containsToken("Connection", "keep"))
    }

    func testSetReplacesEveryFieldWithThatName() {
        var headers: HTTPHeaders = ["A": "1", "b": "2", "a": "3"]
        headers.set("a", "4")
        XCTAssertEqual(headers.fields, [HTTPField(name: "b", value: "2"), HTTPField(name: "a", value: "4")])
    }
}

final class HTTPQueryTests: XCTestCase {
    func testPairsArePercentDecodedWithPlusAsSpace() {
        let pairs = HTTPQuery.parse("unread=true&event_type=notification_created&q=a+b%20c%2Bd&&flag&e=")
        XCTAssertEqual(pairs.map(\.name), ["unread", "event_type", "q", "flag", "e"])
        XCTAssertEqual(pairs.map(\.value), ["true", "notification_created", "a b c+d", "", ""])
    }

    func testMalformedEscapesAreKeptAsWritten() {
        XCTAssertEqual(HTTPQuery.parse("a=%zz%4").first?.value, "%zz%4")
        XCTAssertEqual(HTTPQuery.parse("a=%C3%A9").first?.value, "é")
        XCTAssertEqual(HTTPQuery.parse("a=%FF").first?.value, "\u{FFFD}")
    }

    func testValueFindsTheFirstMatch() {
        XCTAssertEqual(HTTPQuery.value("a", in: "a=1&a=2"), "1")
        XCTAssertNil(HTTPQuery.value("a", in: nil))
        XCTAssertNil(HTTPQuery.value("b", in: "a=1"))
    }
}
