import XCTest
import GridlineHTTP

final class HTTPResponseTests: XCTestCase {
    private func serialized(_ response: HTTPResponse) -> String {
        var out: [UInt8] = []
        response.serialize(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func testJSONResponseIsSerializedExactly() {
        XCTAssertEqual(
            serialized(.json(status: 200, body: Array("{\"status\":\"ok\"}".utf8))),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}")
    }

    func testCloseAddsConnectionCloseAndReplacesTheCallersConnectionField() {
        let response = HTTPResponse(
            status: 404, headers: ["Connection": "keep-alive", "X-A": "b"], body: [], closeConnection: true)
        XCTAssertEqual(serialized(response), "HTTP/1.1 404 Not Found\r\nX-A: b\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    func testCallerFramingFieldsAreReplacedByTheTrueLength() {
        let response = HTTPResponse(
            status: 201, headers: ["Content-Length": "99", "Transfer-Encoding": "chunked"], body: Array("abc".utf8))
        XCTAssertEqual(serialized(response), "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc")
    }

    func testSwitchingProtocolsHasNoContentLength() {
        let response = HTTPResponse(status: 101, headers: ["Upgrade": "websocket", "Connection": "Upgrade"])
        XCTAssertEqual(serialized(response), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
    }

    func testNoContentDropsTheBody() {
        XCTAssertEqual(serialized(HTTPResponse(status: 204, body: [1, 2])), "HTTP/1.1 204 No Content\r\n\r\n")
    }

    func testHeadOnlySerializationDeclaresTheGivenLength() {
        var out: [UInt8] = []
        HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: [9])
            .serializeHead(contentLength: 104_857_600, into: &out)
        XCTAssertEqual(
            String(decoding: out, as: UTF8.self),
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 104857600\r\n\r\n")
    }

    func testLineBreaksInValuesCannotInjectFields() {
        let response = HTTPResponse(status: 200, headers: ["X-Name": "a\r\nSet-Cookie: evil", "Bad Name": "v"])
        XCTAssertEqual(serialized(response), "HTTP/1.1 200 OK\r\nX-Name: a  Set-Cookie: evil\r\nBadName: v\r\nContent-Length: 0\r\n\r\n")
    }

    func testUnknownStatusStillSerializes() {
        XCTAssertTrue(serialized(HTTPResponse(status: 299)).hasPrefix("HTTP/1.1 299 Unknown\r\n"))
        XCTAssertEqual(HTTPStatus.reasonPhrase(429), "Too Many Requests")
    }

    func testContinueBytesAreTheInterimResponse() {
        XCTAssertEqual(String(decoding: HTTPResponse.continueBytes, as: UTF8.self), "HTTP/1.1 100 Continue\r\n\r\n")
    }

    // RFC 9110 §5.6.7 example date.
    func testDateIsFormattedAsIMFFixdate() {
        XCTAssertEqual(HTTPDate.format(secondsSince1970: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.format(secondsSince1970: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(secondsSince1970: 951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(secondsSince1970: 1_735_689_599), "Tue, 31 Dec 2024 23:59:59 GMT")
    }
}
