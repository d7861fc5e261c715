import XCTest
import GridlineHTTP

final class HTTPRequestParserTests: XCTestCase {
    func testGetRequestGivesHeadThenEnd() throws {
        let items = parse("GET /api/v1/health?verbose=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n")
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(items.last, .end)
        let head = try XCTUnwrap(head(of: "GET /api/v1/health?verbose=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"))
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.target, "/api/v1/health?verbose=1")
        XCTAssertEqual(head.path, "/api/v1/health")
        XCTAssertEqual(head.query, "verbose=1")
        XCTAssertEqual(head.versionMinor, 1)
        XCTAssertEqual(head.headers.fields, [HTTPField(name: "Host", value: "example.com"), HTTPField(name: "Accept", value: "*/*")])
        XCTAssertTrue(head.keepAlive)
        XCTAssertNil(head.contentLength)
        XCTAssertFalse(head.isChunked)
        XCTAssertFalse(head.hasBody)
    }

    func testPostWithContentLengthStreamsTheBody() {
        let items = parse("POST /api/v1/rooms HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\n\r\n{\"name\":\"x\"}\n")
        guard items.count == 3, case .head(let head) = items[0] else { return XCTFail("\(items)") }
        XCTAssertEqual(head.contentLength, 13)
        XCTAssertTrue(head.hasBody)
        XCTAssertEqual(items[1], .body(bytes("{\"name\":\"x\"}\n")))
        XCTAssertEqual(items[2], .end)
    }

    func testContentLengthZeroHasNoBodyEvents() {
        XCTAssertEqual(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").count, 2)
    }

    func testHTTP10DefaultsToClose() throws {
        let head = try XCTUnwrap(head(of: "GET / HTTP/1.0\r\n\r\n"))
        XCTAssertEqual(head.versionMinor, 0)
        XCTAssertFalse(head.keepAlive)
    }

    func testHTTP10KeepsAliveWhenAsked() throws {
        XCTAssertEqual(try XCTUnwrap(head(of: "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")).keepAlive, true)
    }

    func testHTTP11ClosesWhenAsked() throws {
        let head = try XCTUnwrap(head(of: "GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n"))
        XCTAssertFalse(head.keepAlive)
    }

    func testLaterMinorVersionIsHandledAsHTTP11() throws {
        // RFC 9110 §2.5.
        XCTAssertEqual(try XCTUnwrap(head(of: "GET / HTTP/1.7\r\nHost: h\r\n\r\n")).versionMinor, 1)
    }

    func testBareLineFeedsAreAcceptedInTheHead() throws {
        let head = try XCTUnwrap(head(of: "GET /x HTTP/1.1\nHost: h\nX-A:  b \n\n"))
        XCTAssertEqual(head.headers["x-a"], "b")
    }

    func testLeadingEmptyLinesAreIgnored() {
        // RFC 9112 §2.2: robustness against a stray CRLF after a previous body.
        XCTAssertEqual(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").count, 2)
    }

    func testFieldValuesAreTrimmedAndEmptyValuesKept() throws {
        let head = try XCTUnwrap(head(of: "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Tabs:\t a b \t\r\n\r\n"))
        XCTAssertEqual(head.headers["X-Empty"], "")
        XCTAssertEqual(head.headers["X-Tabs"], "a b")
    }

    func testAbsoluteFormTargetYieldsItsPathAndQuery() throws {
        let head = try XCTUnwrap(head(of: "GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        XCTAssertEqual(head.path, "/a/b")
        XCTAssertEqual(head.query, "c=d")
        XCTAssertEqual(try XCTUnwrap(self.head(of: "GET HTTPS://example.com HTTP/1.1\r\nHost: x\r\n\r\n")).path, "/")
    }

    func testAsteriskFormIsAcceptedForOptions() throws {
        XCTAssertEqual(try XCTUnwrap(head(of: "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")).path, "*")
    }

    func testEmptyQueryIsKeptDistinctFromNoQuery() throws {
        XCTAssertEqual(try XCTUnwrap(head(of: "GET /a? HTTP/1.1\r\nHost: h\r\n\r\n")).query, "")
        XCTAssertNil(try XCTUnwrap(head(of: "GET /a HTTP/1.1\r\nHost: h\r\n\r\n")).query)
    }

    func testRepeatedIdenticalContentLengthsAreAccepted() throws {
        let head = try XCTUnwrap(head(of: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc"))
        XCTAssertEqual(head.contentLength, 3)
    }

    func testExpectContinueIsReported() throws {
        let head = try XCTUnwrap(head(of: "PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n"))
        XCTAssertTrue(head.expectsContinue)
    }

    func testWebSocketUpgradeHeadLeavesFollowingBytesUnconsumed() throws {
        let request = bytes("GET /api/v1/ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n")
        let frame: [UInt8] = [0x81, 0x80, 1, 2, 3, 4]
        var parser = HTTPRequestParser()
        let (consumed, event) = try feed(&parser, request + frame)
        XCTAssertEqual(consumed, request.count)
        guard case .head(let head)? = event else { return XCTFail() }
        XCTAssertTrue(head.headers.containsToken("Connection", "upgrade"))
        XCTAssertTrue(head.headers.containsToken("Upgrade", "WebSocket"))
        let (more, end) = try feed(&parser, [])
        XCTAssertEqual(more, 0)
        XCTAssertEqual(end, .end)
    }

    func testParserIsIdleOnlyBetweenRequests() throws {
        var parser = HTTPRequestParser()
        XCTAssertTrue(parser.isIdle)
        _ = try feed(&parser, bytes("GET / HT"))
        XCTAssertFalse(parser.isIdle)
        _ = try feed(&parser, bytes("TP/1.1\r\nHost: h\r\n\r\n"))
        XCTAssertFalse(parser.isIdle, "end not yet delivered")
        _ = try feed(&parser, [])
        XCTAssertTrue(parser.isIdle)
    }

    func testBodyCapRejectsDeclaredLengthBeforeReadingTheBody() {
        var harness = ParserHarness(bodyCap: { _ in 10 })
        let items = harness.run(bytes("PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"))
        XCTAssertEqual(items.last, .error(.contentTooLarge))
        XCTAssertEqual(HTTPParseError.contentTooLarge.status, 413)
    }

    func testBodyCapAllowsABodyOfExactlyTheCap() {
        var harness = ParserHarness(bodyCap: { _ in 3 })
        XCTAssertEqual(harness.run(bytes("PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")).last, .end)
    }

    func testLargeBodyIsDeliveredInPiecesWithoutBuffering() throws {
        // 100 MB declared; fed 64 KiB at a time from one reused buffer: the parser must hand
        // back every byte as a range and hold none of it.
        let total: Int64 = 100 * 1024 * 1024
        var parser = HTTPRequestParser()
        let head = bytes("PUT /api/v1/uploads/f HTTP/1.1\r\nHost: h\r\nContent-Length: \(total)\r\n\r\n")
        _ = try feed(&parser, head)
        let buffer = [UInt8](repeating: 0x61, count: 65_536)
        var received: Int64 = 0
        var ended = false
        while !ended {
            try buffer.withUnsafeBytes { raw in
                var offset = 0
                while true {
                    let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                    let (consumed, event) = try parser.parse(rest)
                    offset += consumed
                    switch event {
                    case .body(let range)?: received += Int64(range.count)
                    case .end?: ended = true; return
                    case .head?: XCTFail("unexpected head"); return
                    case nil: return
                    }
                }
            }
        }
        XCTAssertEqual(received, total)
    }
}
