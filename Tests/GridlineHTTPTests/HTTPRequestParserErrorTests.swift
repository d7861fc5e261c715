import XCTest
import GridlineHTTP

/// Every way a request head can be refused, with the status the server answers.
final class HTTPRequestParserErrorTests: XCTestCase {
    private func assertMalformed(_ request: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case .malformed? = error(of: request) else {
            return XCTFail("expected 400 for \(request.debugDescription), got \(parse(request))", file: file, line: line)
        }
        XCTAssertEqual(error(of: request)?.status, 400, file: file, line: line)
    }

    func testHeaderSectionOverTheLimitIs431AssoonAsTheLimitPasses() throws {
        let limits = HTTPLimits(maxHeaderBytes: 64)
        var parser = HTTPRequestParser(limits: limits)
        let start = bytes("GET / HTTP/1.1\r\nHost: h\r\nX: ")
        _ = try feed(&parser, start)
        let filler = [UInt8](repeating: UInt8(ascii: "a"), count: 64 - start.count)
        XCTAssertEqual(try feed(&parser, filler).consumed, filler.count, "exactly at the limit is still fine")
        XCTAssertThrowsError(try feed(&parser, [UInt8(ascii: "a")])) { XCTAssertEqual($0 as? HTTPParseError, .headerTooLarge) }
        XCTAssertEqual(HTTPParseError.headerTooLarge.status, 431)
    }

    func testHeadOfExactlyTheLimitIsAccepted() {
        let request = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
        XCTAssertEqual(parse(request, limits: HTTPLimits(maxHeaderBytes: request.utf8.count)).last, .end)
        XCTAssertEqual(error(of: request, limits: HTTPLimits(maxHeaderBytes: request.utf8.count - 1)), .headerTooLarge)
    }

    func testTooManyHeaderFieldsIs431() {
        let fields = (0..<5).map { "X-\($0): v\r\n" }.joined()
        XCTAssertEqual(error(of: "GET / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n", limits: HTTPLimits(maxHeaderCount: 5)), .headerTooLarge)
    }

    func testTargetOverTheLimitIs414EvenBeforeTheLineEnds() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits(maxURIBytes: 10))
        XCTAssertEqual(try feed(&parser, bytes("GET /123456789")).event, nil, "10 bytes is allowed")
        XCTAssertThrowsError(try feed(&parser, bytes("0"))) { XCTAssertEqual($0 as? HTTPParseError, .uriTooLong) }
        XCTAssertEqual(error(of: "GET /1234567890 HTTP/1.1\r\nHost: h\r\n\r\n", limits: HTTPLimits(maxURIBytes: 10)), .uriTooLong)
        XCTAssertEqual(HTTPParseError.uriTooLong.status, 414)
    }

    func testTargetLongerThanTheWholeHeaderLimitIsStill414() {
        let target = "/" + String(repeating: "a", count: 20_000)
        XCTAssertEqual(error(of: "GET \(target) HTTP/1.1\r\n"), .uriTooLong)
    }

    func testOtherMajorVersionsAre505() {
        XCTAssertEqual(error(of: "GET / HTTP/2.0\r\n\r\n"), .versionNotSupported)
        XCTAssertEqual(error(of: "GET / HTTP/0.9\r\n\r\n"), .versionNotSupported)
        XCTAssertEqual(HTTPParseError.versionNotSupported.status, 505)
    }

    func testMalformedVersionsAre400() {
        assertMalformed("GET / HTTP/1.10\r\nHost: h\r\n\r\n")
        assertMalformed("GET / http/1.1\r\nHost: h\r\n\r\n")
        assertMalformed("GET / HTTP/1\r\nHost: h\r\n\r\n")
        assertMalformed("GET /\r\n\r\n")
    }

    func testMalformedRequestLinesAre400() {
        assertMalformed("G@T / HTTP/1.1\r\nHost: h\r\n\r\n")
        assertMalformed("GET  / HTTP/1.1\r\nHost: h\r\n\r\n")
        assertMalformed("GET / HTTP/1.1 \r\nHost: h\r\n\r\n")
        assertMalformed("GET /a\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n")
        assertMalformed("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n")
        assertMalformed("GET * HTTP/1.1\r\nHost: h\r\n\r\n")
        assertMalformed("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        assertMalformed("GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n")
    }

    func testBadFieldNameIs400() {
        assertMalformed("GET / HTTP/1.1\r\nHost: h\r\nBad(Name): v\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n")
    }

    func testSpaceBeforeColonIs400() {
        // RFC 9112 §5.1.
        assertMalformed("GET / HTTP/1.1\r\nHost: h\r\nX-A : v\r\n\r\n")
    }

    func testObsoleteLineFoldingIs400() {
        // RFC 9112 §5.2.
        assertMalformed("GET / HTTP/1.1\r\nHost: h\r\nX-A: v\r\n  continued\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\n Host: h\r\n\r\n")
    }

    func testControlCharactersInValuesAre400() {
        assertMalformed("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{1B}b\r\n\r\n")
    }

    func testBareCarriageReturnIs400() {
        // RFC 9112 §2.2.
        assertMalformed("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\rHost: h\r\n\r\n")
    }

    func testMissingHostOnHTTP11Is400() {
        // RFC 9112 §3.2.
        assertMalformed("GET / HTTP/1.1\r\n\r\n")
    }

    func testRepeatedOrInvalidHostIs400() {
        assertMalformed("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\nHost: a b\r\n\r\n")
        assertMalformed("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n")
    }

    func testInvalidContentLengthIs400() {
        for value in ["-1", "+1", "1.0", "0x10", "", "1 2", "9223372036854775808", "12,", "abc"] {
            assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(value)\r\n\r\n")
        }
    }

    func testDifferingContentLengthsAre400() {
        assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
        assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\nab")
    }

    func testContentLengthWithTransferEncodingIs400() {
        // RFC 9112 §6.1: the classic smuggling shape.
        assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    }

    func testTransferEncodingWithoutFinalChunkedIs400() {
        // RFC 9112 §6.3.
        assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n")
        assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
        assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n")
        assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,\r\n\r\n")
    }

    func testChunkedTwiceIs400() {
        assertMalformed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")
    }

    func testTransferEncodingInHTTP10Is400() {
        assertMalformed("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    }

    func testUnknownTransferCodingBeforeChunkedIs501() {
        let error = error(of: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        guard case .notImplemented? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(error?.status, 501)
    }

    func testParserStaysFailedAfterAnError() throws {
        var parser = HTTPRequestParser()
        XCTAssertThrowsError(try feed(&parser, bytes("GET / HTTP/1.1\r\n\r\n")))
        XCTAssertThrowsError(try feed(&parser, bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))) {
            XCTAssertEqual($0 as? HTTPParseError, .malformed("missing Host"))
        }
        XCTAssertFalse(parser.isIdle)
    }

    func testErrorsHaveShortReasons() {
        XCTAssertEqual(HTTPParseError.malformed("missing Host").reason, "missing Host")
        XCTAssertFalse(HTTPParseError.headerTooLarge.reason.isEmpty)
    }
}
