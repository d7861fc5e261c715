import XCTest
import GridlineHTTP

/// The parser must give the same events however the bytes are split across reads,
/// and must find every request in a pipelined stream.
final class HTTPRequestParserSplitTests: XCTestCase {
    private let pipeline =
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        + "POST /b?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        + "\r\n"  // a stray CRLF between requests, RFC 9112 §2.2
        + "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n"
        + "GET /d HTTP/1.0\nConnection: keep-alive\n\n"

    func testPipelinedRequestsInOneBufferAreAllFound() {
        let items = parse(pipeline)
        let targets = items.compactMap { item -> String? in
            if case .head(let h) = item { return h.target }
            return nil
        }
        XCTAssertEqual(targets, ["/a", "/b?x=1", "/c", "/d"])
        XCTAssertEqual(items.filter { $0 == .end }.count, 4)
        XCTAssertTrue(items.contains(.body(bytes("hello"))))
        XCTAssertTrue(items.contains(.body(bytes("abcde"))))
    }

    func testPipelineGivesTheSameEventsAtEverySplit() {
        assertSplitInvariant(bytes(pipeline))
    }

    func testGetGivesTheSameEventsAtEverySplit() {
        assertSplitInvariant(bytes("GET /api/v1/health HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: t\r\n\r\n"))
    }

    func testContentLengthBodyGivesTheSameEventsAtEverySplit() {
        assertSplitInvariant(bytes("POST /api/v1/rooms HTTP/1.1\r\nHost: h\r\nContent-Length: 16\r\n\r\n{\"name\":\"room\"}"))
    }

    func testChunkedBodyWithTrailersGivesTheSameEventsAtEverySplit() {
        assertSplitInvariant(bytes(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nA;ext=1\r\n0123456789\r\n1\r\nx\r\n0\r\nA: b\r\n\r\n"))
    }

    func testErrorsAreTheSameAtEverySplit() {
        let tight = HTTPLimits(maxHeaderBytes: 40, maxURIBytes: 12, maxHeaderCount: 3, maxChunkLineBytes: 8)
        for request in [
            "GET /0123456789abcdef HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /0123456789ab HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "y", count: 40),
            "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/3.0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\rX\r\n\r\n",
        ] {
            assertSplitInvariant(bytes(request), limits: tight)
        }
        // Fuzz finding: a long target with a bare CR was 400 whole but 414 when split.
        assertSplitInvariant(bytes("GET /api\r/v1/health HTTP/1.1\r\nHost: h\r\n\r\n"), limits: HTTPLimits(maxURIBytes: 4))
        assertSplitInvariant(bytes("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;aaaaaaaaaaaa\r\n"))
        assertSplitInvariant(bytes("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX"))
    }

    func testRequestAfterABodyStartsCleanly() {
        let items = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nGETGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(items[1], .body(bytes("GET")), "body bytes that look like a request are still body")
        guard case .head(let second) = items[3] else { return XCTFail("\(items)") }
        XCTAssertEqual(second.method, "GET")
    }
}
