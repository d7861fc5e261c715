import Foundation
import XCTest

/// HTTP/1.1 over a real socket against the real server binary.
final class HTTPEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["HTTP_HEADER_TIMEOUT": "1", "HTTP_IDLE_TIMEOUT": "2"])
    }

    override func tearDown() {
        server.stop()
    }

    private func request(_ raw: String) throws -> RawHTTPResponse? {
        let socket = try RawSocket(port: server.port)
        socket.send(raw)
        let bytes = socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5)
        return RawHTTPResponse.parse(bytes)?.0
    }

    func testHealthReportsOkWithVersionAndUptime() throws {
        let response = try XCTUnwrap(try request("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        let json = try XCTUnwrap(response.json)
        XCTAssertEqual(json["status"] as? String, "ok")
        XCTAssertEqual(json["storage"] as? String, "ok")
        XCTAssertNotNil(json["version"] as? String)
        XCTAssertNotNil(json["uptime_seconds"] as? Int)
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let socket = try RawSocket(port: server.port)
        socket.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        var bytes = socket.receive(until: { _ in false }, timeout: 2)
        var statuses: [Int] = []
        while let (response, used) = RawHTTPResponse.parse(bytes) {
            statuses.append(response.status)
            bytes.removeFirst(used)
        }
        XCTAssertEqual(statuses, [200, 404, 200])
        XCTAssertTrue(socket.closedByPeer, "Connection: close must close after the last response")
    }

    func testRequestSplitAcrossManyWritesIsParsed() throws {
        let socket = try RawSocket(port: server.port)
        for byte in Array("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n".utf8) {
            socket.send([byte])
        }
        let bytes = socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5)
        XCTAssertEqual(RawHTTPResponse.parse(bytes)?.0.status, 200)
    }

    func testMalformedRequestsGetTheirStatus() throws {
        XCTAssertEqual(try request("GARBAGE\r\n\r\n")?.status, 400)
        XCTAssertEqual(try request("GET /api/v1/health HTTP/2.0\r\nHost: x\r\n\r\n")?.status, 505)
        XCTAssertEqual(try request("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n")?.status, 414)
        let bigHeader = "X-Big: " + String(repeating: "b", count: 17000) + "\r\n"
        XCTAssertEqual(try request("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\(bigHeader)\r\n")?.status, 431)
        XCTAssertEqual(try request("POST /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")?.status, 405)
        let error = try XCTUnwrap(try request("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"))
        XCTAssertEqual(error.status, 404)
        XCTAssertEqual(error.json?["code"] as? String, "NOT_FOUND")
        XCTAssertNotNil(error.json?["error"] as? String)
    }

    func testSlowlorisConnectionIsClosedWithinTheHeaderTimeout() throws {
        let socket = try RawSocket(port: server.port)
        let start = Date()
        socket.send("GET /api/v1/health HTTP/1.1\r\n")
        // One header byte every 200 ms never completes the head; the 1 s header timeout must end it.
        var closed = false
        for byte in Array("X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8) {
            socket.send([byte])
            if socket.waitForPeerClose(timeout: 0.2) {
                closed = true
                break
            }
        }
        XCTAssertTrue(closed)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3.5)
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        let socket = try RawSocket(port: server.port)
        socket.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertNotNil(RawHTTPResponse.parse(socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5)))
        XCTAssertTrue(socket.waitForPeerClose(timeout: 5))
    }

    func testStalledRequestBodyIsClosedAfterTheIdleTimeout() throws {
        let socket = try RawSocket(port: server.port)
        socket.send("POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(REST.admin)\r\n"
                    + "Content-Length: 100\r\n\r\n{\"name\":")
        let start = Date()
        XCTAssertTrue(socket.waitForPeerClose(timeout: 6), "a body that stops moving must not hold the connection")
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 1.5, "HTTP_IDLE_TIMEOUT=2 s")
    }
}
