import Foundation
import XCTest

/// Uploads streamed to disk with progress, served back byte for byte (SPEC §8).
final class UploadEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["UPLOAD_MAX_BYTES": "8000000", "WEBSOCKET_REQUESTS_PER_MINUTE": "1000"])
    }

    override func tearDown() {
        server.stop()
    }

    func connect(_ user: String, room: String? = nil) throws -> TestClient {
        let client = try TestClient(port: server.port, token: Tokens.make(user: user))
        XCTAssertNotNil(client.expect("connection_established"))
        if let room {
            client.send(["type": "join_room", "room_id": room])
            XCTAssertNotNil(client.expect("room_state"))
        }
        return client
    }

    func start(_ client: TestClient, id: String, size: Int, room: String? = nil) throws -> String {
        var message: [String: Any] = ["type": "file_upload_start", "file_id": id, "filename": "data.bin", "file_size": size,
                                      "mime_type": "application/octet-stream", "request_id": "start-\(id)"]
        if let room { message["room"] = room }
        client.send(message)
        let started = try XCTUnwrap(client.expect("file_upload_started"))
        XCTAssertEqual(started["file_id"] as? String, id)
        XCTAssertEqual(started["request_id"] as? String, "start-\(id)")
        return try XCTUnwrap(started["upload_url"] as? String)
    }

    /// PUTs the body in pieces with small pauses, so progress has time to be reported.
    func put(_ url: String, _ body: [UInt8], token: String, pieces: Int = 20) throws -> RawHTTPResponse? {
        let socket = try RawSocket(port: server.port)
        socket.send("PUT \(url) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(body.count)\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n")
        let step = max(1, body.count / pieces)
        var offset = 0
        while offset < body.count {
            socket.send(Array(body[offset..<min(body.count, offset + step)]))
            offset += step
            usleep(15_000)
        }
        return RawHTTPResponse.parse(socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 15))?.0
    }

    func testUploadOfSeveralMegabytesReportsProgressAndReadsBackIdentical() throws {
        let owner = try connect("uma", room: "demo")
        let otherTab = try connect("uma")
        let roomMate = try connect("vera", room: "demo")
        var generator = SystemRandomNumberGenerator()
        let body = (0..<3_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let url = try start(owner, id: "big-file", size: body.count, room: "demo")
        XCTAssertEqual(url, "/api/v1/uploads/big-file")
        let response = try XCTUnwrap(try put(url, body, token: Tokens.make(user: "uma")))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.json?["url"] as? String, url)

        for client in [owner, otherTab, roomMate] {
            var percentages: [Double] = []
            var complete: [String: Any]?
            while complete == nil, let message = client.nextMessage(timeout: 5) {
                if message["type"] as? String == "file_upload_progress" { percentages.append(message["percentage"] as? Double ?? -1) }
                if message["type"] as? String == "file_upload_complete" { complete = message }
            }
            XCTAssertGreaterThanOrEqual(percentages.count, 3, "progress as bytes land")
            XCTAssertLessThanOrEqual(percentages.count, 25, "throttled to about every 5 %")
            XCTAssertEqual(percentages, percentages.sorted(), "progress only increases")
            XCTAssertEqual(complete?["url"] as? String, url)
            XCTAssertEqual(complete?["filename"] as? String, "data.bin")
            XCTAssertEqual(complete?["user_id"] as? String, "uma")
        }
        let socket = try RawSocket(port: server.port)
        socket.send("GET \(url) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Tokens.make(user: "uma"))\r\n\r\n")
        let raw = socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 15)
        let download = try XCTUnwrap(RawHTTPResponse.parse(raw)?.0)
        XCTAssertEqual(download.status, 200)
        XCTAssertEqual(download.headers["content-type"], "application/octet-stream")
        XCTAssertEqual(download.headers["content-length"], "3000000")
        XCTAssertTrue(download.body == body, "bytes read back identical")
        // The file on disk has a server-chosen name, not the client's.
        let stored = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/uploads")
        XCTAssertEqual(stored.count, 1)
        XCTAssertFalse(stored[0].contains("data.bin"))
    }

    func testAnotherUsersPutIsRefusedAndCompletedUploadsAreClosed() throws {
        let owner = try connect("walt")
        let url = try start(owner, id: "walts", size: 10)
        XCTAssertEqual(try put(url, Array(repeating: 1, count: 10), token: Tokens.make(user: "xena"))?.status, 403)
        XCTAssertEqual(try put(url, Array(repeating: 1, count: 10), token: "bad")?.status, 401)
        XCTAssertEqual(try put("/api/v1/uploads/nope", Array(repeating: 1, count: 10), token: Tokens.make(user: "walt"))?.status, 404)
        XCTAssertEqual(try put(url, Array(repeating: 1, count: 10), token: Tokens.make(user: "walt"))?.status, 200)
        XCTAssertEqual(try put(url, Array(repeating: 1, count: 10), token: Tokens.make(user: "walt"))?.status, 409)
        XCTAssertEqual(try REST.call(server.port, "GET", url, token: Tokens.make(user: "xena")).status, 403)
    }

    func testOversizedBodiesGet413AndLeaveNoPartialFile() throws {
        let owner = try connect("yann")
        let url = try start(owner, id: "small", size: 100)
        // Declared up front as larger than file_size.
        XCTAssertEqual(try put(url, Array(repeating: 7, count: 101), token: Tokens.make(user: "yann"))?.status, 413)
        // A chunked body that runs past the declared size.
        _ = try start(owner, id: "small", size: 100)
        let socket = try RawSocket(port: server.port)
        socket.send("PUT \(url) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Tokens.make(user: "yann"))\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n")
        socket.send("64\r\n" + String(repeating: "a", count: 100) + "\r\n")
        socket.send("10\r\n" + String(repeating: "b", count: 16) + "\r\n0\r\n\r\n")
        let response = RawHTTPResponse.parse(socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5))?.0
        XCTAssertEqual(response?.status, 413)
        usleep(200_000)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/uploads")) ?? []
        XCTAssertEqual(leftovers, [], "partial files are removed")
        // Over UPLOAD_MAX_BYTES is refused at the start.
        owner.send(["type": "file_upload_start", "filename": "huge", "file_size": 9_000_000, "mime_type": "text/plain"])
        XCTAssertTrue((owner.expect("error")?["error"] as? String ?? "").contains("file_size"))
        for bad: Any in [-1, "10", 1.5] {
            owner.send(["type": "file_upload_start", "filename": "x", "file_size": bad, "mime_type": "text/plain"])
            XCTAssertEqual(owner.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        }
    }

    func testInterruptedUploadIsMarkedFailedAndCanStartAgain() throws {
        let owner = try connect("zoe")
        let url = try start(owner, id: "flaky", size: 1000)
        let socket = try RawSocket(port: server.port)
        socket.send("PUT \(url) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Tokens.make(user: "zoe"))\r\nContent-Length: 1000\r\n\r\n")
        socket.send(Array(repeating: 1, count: 400))
        usleep(100_000)
        socket.close()
        usleep(300_000)
        XCTAssertEqual(try put(url, Array(repeating: 1, count: 1000), token: Tokens.make(user: "zoe"))?.status, 409,
                       "a failed upload takes bytes only after it is started again")
        XCTAssertEqual(try start(owner, id: "flaky", size: 1000), url)
        XCTAssertEqual(try put(url, Array(repeating: 2, count: 1000), token: Tokens.make(user: "zoe"))?.status, 200)
    }

    func testClientReportedProgressIsRelayedAndRecorded() throws {
        let owner = try connect("abe", room: "demo")
        let watcher = try connect("bea", room: "demo")
        _ = try start(owner, id: "external", size: 500, room: "demo")
        owner.send(["type": "file_upload_progress", "file_id": "external", "bytes_uploaded": 250, "total_bytes": 500, "percentage": 50.0])
        let progress = try XCTUnwrap(watcher.expect("file_upload_progress"))
        XCTAssertEqual(progress["bytes_uploaded"] as? Int, 250)
        XCTAssertEqual(progress["user_id"] as? String, "abe")
        owner.send(["type": "file_upload_complete", "file_id": "external", "url": "https://cdn.example/external.csv"])
        let complete = try XCTUnwrap(watcher.expect("file_upload_complete"))
        XCTAssertEqual(complete["url"] as? String, "https://cdn.example/external.csv")
        owner.send(["type": "file_upload_progress", "file_id": "not-mine", "bytes_uploaded": 1, "total_bytes": 2])
        XCTAssertEqual(owner.expect("error")?["code"] as? String, "NOT_FOUND")
        owner.send(["type": "file_upload_progress", "file_id": "external", "bytes_uploaded": 3, "total_bytes": 2])
        XCTAssertEqual(owner.expect("error")?["code"] as? String, "INVALID_MESSAGE")
    }
}
