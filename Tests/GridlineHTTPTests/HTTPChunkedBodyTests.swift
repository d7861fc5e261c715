import XCTest
import GridlineHTTP

/// Chunked request bodies, RFC 9112 §7.1.
final class HTTPChunkedBodyTests: XCTestCase {
    private let chunkedHead = "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"

    func testChunkedBodyIsDecoded() throws {
        let items = parse(chunkedHead + "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n")
        guard items.count == 3, case .head(let head) = items[0] else { return XCTFail("\(items)") }
        XCTAssertTrue(head.isChunked)
        XCTAssertNil(head.contentLength)
        XCTAssertEqual(items[1], .body(bytes("hello, world")))
        XCTAssertEqual(items[2], .end)
    }

    func testChunkExtensionsAreIgnored() {
        let items = parse(chunkedHead + "5;name=value;flag\r\nhello\r\n3 ; q=\"a b\"\r\nabc\r\n0;last\r\n\r\n")
        XCTAssertEqual(items.dropFirst().map { $0 }, [.body(bytes("helloabc")), .end])
    }

    func testTrailersAreReadAndDiscarded() {
        let items = parse(chunkedHead + "3\r\nabc\r\n0\r\nX-Checksum: 42\r\nX-More: yes\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(items.count, 5)
        XCTAssertEqual(items[1], .body(bytes("abc")))
        XCTAssertEqual(items[2], .end)
        guard case .head(let next) = items[3] else { return XCTFail("\(items)") }
        XCTAssertTrue(next.headers.fields.allSatisfy { !$0.name.hasPrefix("X-") }, "trailers must not leak into the next request")
    }

    func testUpperCaseHexAndLeadingZerosAreAccepted() {
        let body = String(repeating: "z", count: 0x1A)
        XCTAssertEqual(parse(chunkedHead + "001A\r\n\(body)\r\n000\r\n\r\n")[1], .body(bytes(body)))
    }

    func testEmptyChunkedBodyGivesOnlyEnd() {
        XCTAssertEqual(parse(chunkedHead + "0\r\n\r\n").count, 2)
    }

    func testChunkSizeOverflowIs400() {
        guard case .malformed? = error(of: chunkedHead + "8000000000000000\r\n") else { return XCTFail() }
        guard case .malformed? = error(of: chunkedHead + "ffffffffffffffffff\r\n") else { return XCTFail() }
    }

    func testLargestChunkSizeIsAcceptedAsAHeader() {
        // The size is fine; the body simply has not arrived.
        XCTAssertEqual(parse(chunkedHead + "7fffffffffffffff\r\nabc").last, .body(bytes("abc")))
    }

    func testInvalidChunkFramingIs400() {
        for body in ["\r\n", "x\r\n", "5 6\r\nhello\r\n", "-1\r\n", "5\nhello\r\n", "5\r\nhelloX\r\n",
                     "5\r\nhello\rX", "0\r\nX: y\n\r\n", "0\r\nX: y\rz\r\n\r\n", "0\r\n folded\r\n\r\n",
                     "3;ext\u{0}\r\nabc\r\n0\r\n\r\n"] {
            guard case .malformed? = error(of: chunkedHead + body) else {
                return XCTFail("expected 400 for \(body.debugDescription): \(parse(chunkedHead + body))")
            }
        }
    }

    func testEndlessChunkExtensionIsRefused() {
        let ext = ";" + String(repeating: "a", count: 5_000)
        guard case .malformed? = error(of: chunkedHead + "5\(ext)") else { return XCTFail() }
    }

    func testTrailerSectionCountsAgainstTheHeaderLimit() {
        let limits = HTTPLimits(maxHeaderBytes: 100)
        let trailer = "X: " + String(repeating: "a", count: 100) + "\r\n\r\n"
        XCTAssertEqual(error(of: chunkedHead + "0\r\n" + trailer, limits: limits), .headerTooLarge)
    }

    func testBodyCapCountsDecodedBytesAcrossChunks() {
        var harness = ParserHarness(bodyCap: { _ in 8 })
        let ok = harness.run(bytes(chunkedHead + "4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n"))
        XCTAssertEqual(ok.last, .end)
        let tooBig = harness.run(bytes(chunkedHead + "4\r\nabcd\r\n5\r\nefghi\r\n0\r\n\r\n"))
        XCTAssertEqual(tooBig, [ok[0], .body(bytes("abcd")), .error(.contentTooLarge)])
    }

    func testBodyCapIsPerRequest() {
        var harness = ParserHarness(bodyCap: { head in head.path == "/small" ? 1 : nil })
        let items = harness.run(bytes(
            "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "POST /small HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"))
        XCTAssertEqual(items.count, 5)
        XCTAssertEqual(items.last, .error(.contentTooLarge))
    }
}
