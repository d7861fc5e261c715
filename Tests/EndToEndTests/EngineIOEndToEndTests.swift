import Foundation
import XCTest

/// Raw Engine.IO v4 requests against `/socket.io/` (SPEC §12): every error answer, `\x1e`
/// batching, a POST split across TCP segments or over maxPayload, bad packets, and sessions that
/// are abandoned, refused or taken over. One request per TCP connection, written by hand.
final class EngineIOEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: [
            "WEBSOCKET_REQUESTS_PER_MINUTE": "100000", "WEBSOCKET_REQUESTS_PER_HOUR": "1000000",
            "WEBSOCKET_ALLOWED_ORIGINS": "http://app.example:3000",
        ])
    }

    /// A server whose heartbeat is quick enough to watch: ping every 1 s, 2 s to answer.
    private func useQuickHeartbeat() throws {
        server.stop()
        server = try ServerProcess(environment: ["WEBSOCKET_PING_INTERVAL": "1", "WEBSOCKET_PING_TIMEOUT": "2"])
    }

    override func tearDown() {
        server.stop()
    }

    // MARK: Error answers

    func testMissingOrUnsupportedParametersGetTheProtocolsErrorAnswers() throws {
        let cases: [(String, String, Int, String)] = [
            ("GET", "/socket.io/?transport=polling", 5, "Unsupported protocol version"),
            ("GET", "/socket.io/?EIO=3&transport=polling", 5, "Unsupported protocol version"),
            ("GET", "/socket.io/?EIO=4", 0, "Transport unknown"),
            ("GET", "/socket.io/?EIO=4&transport=flashsocket", 0, "Transport unknown"),
            ("GET", "/socket.io/?EIO=4&transport=polling&sid=nosuchsession", 1, "Session ID unknown"),
            ("POST", "/socket.io/?EIO=4&transport=polling", 2, "Bad handshake method"),
            ("GET", "/socket.io/?EIO=4&transport=websocket", 3, "Bad request"),
        ]
        for (method, path, code, message) in cases {
            let response = try request(method, path, body: method == "POST" ? Array("40".utf8) : nil)
            XCTAssertEqual(response.status, 400, "\(method) \(path)")
            XCTAssertEqual(response.json?["code"] as? Int, code, "\(method) \(path)")
            XCTAssertEqual(response.json?["message"] as? String, message, "\(method) \(path)")
        }
    }

    func testHandshakeAnswersTheOpenPacketWithTheConfiguredTimings() throws {
        let response = try request("GET", "/socket.io/?EIO=4&transport=polling&t=abc")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "text/plain; charset=UTF-8")
        let body = String(decoding: response.body, as: UTF8.self)
        XCTAssertTrue(body.hasPrefix("0{"), body)
        let open = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8.dropFirst())) as? [String: Any])
        XCTAssertEqual(open["upgrades"] as? [String], ["websocket"])
        XCTAssertEqual(open["pingInterval"] as? Int, 25000)
        XCTAssertEqual(open["pingTimeout"] as? Int, 60000)
        XCTAssertEqual(open["maxPayload"] as? Int, 65536)
        XCTAssertEqual((open["sid"] as? String)?.count, 32)
    }

    func testASecondConcurrentGetIsRefusedAndEndsTheSession() throws {
        let sid = try handshake()
        let first = try RawSocket(port: server.port)
        first.send(requestText("GET", pollPath(sid)))
        usleep(100_000)  // the first GET is now held
        let second = try request("GET", pollPath(sid))
        XCTAssertEqual(second.status, 400)
        XCTAssertEqual(second.json?["code"] as? Int, 3)
        let held = first.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5)
        let answer = try XCTUnwrap(RawHTTPResponse.parse(held)?.0)
        XCTAssertEqual(String(decoding: answer.body, as: UTF8.self), "1", "the held GET gets the close packet")
        XCTAssertEqual(try request("GET", pollPath(sid)).json?["code"] as? Int, 1, "the session is gone")
    }

    // MARK: Batching

    func testPostedPacketsAreSplitOnTheRecordSeparatorAndAnswersComeBatched() throws {
        let sid = try handshake()
        let token = Tokens.make(user: "batcher")
        let body = "40{\"token\":\"\(token)\"}\u{1e}420[\"ping\",{}]\u{1e}421[\"ping\",{\"request_id\":\"p2\"}]"
        let posted = try request("POST", pollPath(sid), body: Array(body.utf8))
        XCTAssertEqual(posted.status, 200)
        XCTAssertEqual(String(decoding: posted.body, as: UTF8.self), "ok")
        let packets = try poll(sid)
        XCTAssertEqual(packets.count, 4, "\(packets)")
        XCTAssertTrue(packets[0].hasPrefix("40{\"sid\":"), packets[0])
        XCTAssertTrue(packets[0].contains("\"pid\":"), packets[0])
        XCTAssertTrue(packets[1].hasPrefix("42[\"connection_established\","), packets[1])
        XCTAssertTrue(packets[2].hasPrefix("430[{\"type\":\"pong\""), packets[2])
        XCTAssertTrue(packets[3].hasPrefix("431[{\"type\":\"pong\""), packets[3])
        XCTAssertTrue(packets[3].contains("\"request_id\":\"p2\""), packets[3])
    }

    func testAPostSplitAcrossTCPSegmentsIsReadWhole() throws {
        let sid = try handshake()
        let body = Array("40{\"token\":\"\(Tokens.make(user: "splitter"))\"}\u{1e}42[\"ping\",{\"request_id\":\"split\"}]".utf8)
        let socket = try RawSocket(port: server.port)
        var head = "POST \(pollPath(sid)) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        head += "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: \(body.count)\r\n\r\n"
        let bytes = Array(head.utf8) + body
        // Cut inside the CONNECT packet and inside the event: three segments, 50 ms apart.
        let cuts = [head.utf8.count + 7, head.utf8.count + body.count - 9]
        socket.send(Array(bytes[..<cuts[0]]))
        usleep(50_000)
        socket.send(Array(bytes[cuts[0]..<cuts[1]]))
        usleep(50_000)
        socket.send(Array(bytes[cuts[1]...]))
        let answer = try XCTUnwrap(RawHTTPResponse.parse(socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5))?.0)
        XCTAssertEqual(answer.status, 200)
        let packets = try poll(sid)
        XCTAssertTrue(packets.contains { $0.hasPrefix("42[\"pong\"") && $0.contains("\"request_id\":\"split\"") }, "\(packets)")
    }

    func testAPostOverMaxPayloadIsRefusedAndAppliesNothing() throws {
        let sid = try connectedSession(user: "big")
        _ = try poll(sid)
        let filler = String(repeating: "x", count: 70_000)
        let big = "42[\"cell_update\",{\"sheet_id\":\"demo-sheet\",\"cell_id\":\"K9\",\"value\":\"\(filler)\"}]"
        let response = try request("POST", pollPath(sid), body: Array(big.utf8))
        XCTAssertEqual(response.status, 413)
        let sheet = try REST.call(server.port, "GET", "/api/v1/sheets/demo-sheet")
        let cells = sheet.json?["cells"] as? [[String: Any]] ?? []
        XCTAssertFalse(cells.contains { $0["cell_id"] as? String == "K9" })
    }

    func testTenThousandPacketsInOnePostAreRefusedWithNothingApplied() throws {
        let sid = try connectedSession(user: "flood")
        _ = try poll(sid)
        let one = "42[\"cell_update\",{\"sheet_id\":\"demo-sheet\",\"cell_id\":\"K8\",\"value\":1}]"
        let body = one + "\u{1e}" + Array(repeating: "6", count: 9_999).joined(separator: "\u{1e}")
        let response = try request("POST", pollPath(sid), body: Array(body.utf8))
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.json?["code"] as? Int, 3)
        let sheet = try REST.call(server.port, "GET", "/api/v1/sheets/demo-sheet")
        XCTAssertFalse((sheet.json?["cells"] as? [[String: Any]] ?? []).contains { $0["cell_id"] as? String == "K8" })
        XCTAssertEqual(try poll(sid), ["1"], "the session ends with the close packet")
        XCTAssertEqual(try request("GET", pollPath(sid)).json?["code"] as? Int, 1)
    }

    // MARK: Bad packets

    func testGarbagePacketEndsTheSessionAndOthersAreUnaffected() throws {
        let bystander = try connectedSession(user: "bystander")
        _ = try poll(bystander)
        let sid = try connectedSession(user: "garbage")
        _ = try poll(sid)
        XCTAssertEqual(try post(sid, "9nonsense").status, 400)
        XCTAssertEqual(try poll(sid), ["1"], "the close packet")
        XCTAssertEqual(try request("GET", pollPath(sid)).json?["code"] as? Int, 1)
        _ = try post(bystander, "42[\"ping\",{\"request_id\":\"still\"}]")
        XCTAssertTrue(try poll(bystander).contains { $0.contains("\"request_id\":\"still\"") })
    }

    func testBinaryAttachmentsGetAnErrorEventAndNothingElse() throws {
        let sid = try connectedSession(user: "binary")
        _ = try poll(sid)
        let packet = "451-[\"cell_update\",{\"sheet_id\":\"demo-sheet\",\"cell_id\":\"K7\",\"value\":{\"_placeholder\":true,\"num\":0}}]"
        _ = try post(sid, packet + "\u{1e}bAQIDBA==")
        let packets = try poll(sid)
        XCTAssertEqual(packets.count, 1, "\(packets)")
        XCTAssertTrue(packets[0].hasPrefix("42[\"error\",") && packets[0].contains("INVALID_MESSAGE"), packets[0])
        _ = try post(sid, "42[\"ping\",{\"request_id\":\"after\"}]")
        XCTAssertTrue(try poll(sid).contains { $0.contains("\"request_id\":\"after\"") }, "the session goes on")
    }

    func testAnAckForAnUnknownIdAndEventsBeforeConnectAreIgnored() throws {
        let sid = try handshake()
        XCTAssertEqual(try post(sid, "42[\"join_room\",{\"room_id\":\"demo\"}]").status, 200)
        _ = try post(sid, "40{\"token\":\"\(Tokens.make(user: "acker"))\"}")
        let greeting = try poll(sid)
        XCTAssertEqual(greeting.count, 2, "CONNECT answer and connection_established only: \(greeting)")
        _ = try post(sid, "43999[{\"x\":1}]\u{1e}42[\"ping\",{\"request_id\":\"alive\"}]")
        let packets = try poll(sid)
        XCTAssertEqual(packets.count, 1, "\(packets)")
        XCTAssertTrue(packets[0].contains("\"request_id\":\"alive\""))
    }

    func testAnotherNamespaceIsRefused() throws {
        let sid = try handshake()
        _ = try post(sid, "40/admin,{\"token\":\"\(Tokens.make(user: "nsp"))\"}")
        XCTAssertEqual(try poll(sid), ["44/admin,{\"message\":\"Invalid namespace\"}"])
    }

    // MARK: Admission

    func testBadTokenAndRefusedOriginGetConnectErrors() throws {
        let sid = try handshake()
        _ = try post(sid, "40{\"token\":\"bad.token.here\"}")
        let refused = try XCTUnwrap(try poll(sid).first)
        XCTAssertTrue(refused.hasPrefix("44{\"message\":\"AUTHENTICATION_FAILED\""), refused)
        let elsewhere = try handshake(origin: "http://evil.example")
        _ = try post(elsewhere, "40{\"token\":\"\(Tokens.make(user: "evil"))\"}", origin: "http://evil.example")
        let denied = try XCTUnwrap(try poll(elsewhere, origin: "http://evil.example").first)
        XCTAssertTrue(denied.hasPrefix("44{\"message\":\"PERMISSION_DENIED\""), denied)
    }

    func testAnotherUsersSessionCannotBeUsedWithADifferentToken() throws {
        let sid = try connectedSession(user: "owner")
        _ = try poll(sid)
        let intruder = Tokens.make(user: "intruder")
        let response = try request("POST", pollPath(sid) + "&token=\(intruder)", body: Array("42[\"ping\",{}]".utf8))
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.json?["code"] as? Int, 4)
        let stolen = try request("GET", pollPath(sid), headers: ["Authorization": "Bearer \(intruder)"])
        XCTAssertEqual(stolen.status, 403)
    }

    func testCORSHeadersOnlyForAllowedOriginsAndPreflightIsAnswered() throws {
        let allowed = "http://app.example:3000"
        let preflight = try request("OPTIONS", "/socket.io/?EIO=4&transport=polling",
                                    headers: ["Origin": allowed, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type"])
        XCTAssertEqual(preflight.status, 204)
        XCTAssertEqual(preflight.headers["access-control-allow-origin"], allowed)
        XCTAssertEqual(preflight.headers["access-control-allow-credentials"], "true")
        XCTAssertEqual(preflight.headers["access-control-allow-headers"], "content-type")
        let open = try request("GET", "/socket.io/?EIO=4&transport=polling", headers: ["Origin": allowed])
        XCTAssertEqual(open.headers["access-control-allow-origin"], allowed)
        let other = try request("GET", "/socket.io/?EIO=4&transport=polling", headers: ["Origin": "http://evil.example"])
        XCTAssertEqual(other.status, 200)
        XCTAssertNil(other.headers["access-control-allow-origin"])
    }

    // MARK: Sessions

    func testAnAbandonedPollingSessionIsClosedAndItsUserLeavesTheRoom() throws {
        try useQuickHeartbeat()
        let observer = try TestClient.joined(port: server.port, user: "observer")
        let sid = try connectedSession(user: "ghost")
        _ = try poll(sid)
        _ = try post(sid, "42[\"join_room\",{\"room_id\":\"demo\"}]")
        _ = try poll(sid)
        XCTAssertNotNil(observer.expect("user_joined"))
        // Nobody polls: after pingInterval + pingTimeout (3 s here) the session ends. The observer
        // keeps talking so its own heartbeat stays happy.
        var left: [String: Any]?
        for _ in 0..<40 where left == nil {
            observer.send(["type": "ping"])
            while let message = observer.nextMessage(timeout: 0.25) {
                if message["type"] as? String == "user_left" { left = message }
            }
        }
        XCTAssertEqual(left?["user_id"] as? String, "ghost")
        XCTAssertTrue(server.log.contains("\"transport\":\"socketio-polling\""), server.log)
    }

    func testTheServerPingsAndAPongKeepsTheSessionAlive() throws {
        try useQuickHeartbeat()
        let sid = try connectedSession(user: "ponger")
        _ = try poll(sid)
        // Three rounds span 3 s, past the 2 s timeout: only the pongs keep the session open.
        for _ in 0..<3 {
            XCTAssertEqual(try poll(sid, timeout: 3), ["2"])
            XCTAssertEqual(try post(sid, "3").status, 200)
        }
        _ = try post(sid, "42[\"ping\",{\"request_id\":\"still here\"}]")
        XCTAssertTrue(try poll(sid).contains { $0.contains("still here") })
    }

    func testRESTDisconnectAndStatsCoverSocketIOSessions() throws {
        let sid = try connectedSession(user: "admin-target")
        let greeting = try poll(sid)
        let established = try XCTUnwrap(greeting.first { $0.hasPrefix("42[\"connection_established\"") })
        let connectionID = try XCTUnwrap(established.firstMatch(of: /"connection_id":"(c[0-9]+)"/)?.1)
        let stats = try REST.call(server.port, "GET", "/api/v1/ws/stats")
        XCTAssertEqual(stats.json?["total_connections"] as? Int, 1)
        let closed = try REST.call(server.port, "DELETE", "/api/v1/ws/connections/\(connectionID)")
        XCTAssertEqual(closed.status, 200)
        XCTAssertEqual(try poll(sid), ["41", "1"], "a Socket.IO DISCONNECT, then the Engine.IO close")
        XCTAssertEqual(try REST.call(server.port, "GET", "/api/v1/ws/stats").json?["total_connections"] as? Int, 0)
    }

    // MARK: Helpers

    private func pollPath(_ sid: String) -> String { "/socket.io/?EIO=4&transport=polling&sid=\(sid)" }

    private func requestText(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: \(body.count)\r\n" }
        return text + "\r\n"
    }

    private func request(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:],
                         port: UInt16? = nil, timeout: TimeInterval = 5) throws -> RawHTTPResponse {
        let socket = try RawSocket(port: port ?? server.port)
        socket.send(Array(requestText(method, path, body: body, headers: headers).utf8) + (body ?? []))
        let bytes = socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: timeout)
        return try XCTUnwrap(RawHTTPResponse.parse(bytes)?.0, "no answer to \(method) \(path)")
    }

    private func handshake(port: UInt16? = nil, origin: String? = nil) throws -> String {
        let response = try request("GET", "/socket.io/?EIO=4&transport=polling", headers: origin.map { ["Origin": $0] } ?? [:],
                                   port: port)
        let text = String(decoding: response.body, as: UTF8.self)
        return try XCTUnwrap(text.firstMatch(of: /"sid":"([0-9a-f]+)"/)?.1).description
    }

    @discardableResult
    private func post(_ sid: String, _ body: String, port: UInt16? = nil, origin: String? = nil) throws -> RawHTTPResponse {
        try request("POST", pollPath(sid), body: Array(body.utf8), headers: origin.map { ["Origin": $0] } ?? [:], port: port)
    }

    /// One GET: the packets it returns.
    private func poll(_ sid: String, origin: String? = nil, timeout: TimeInterval = 5) throws -> [String] {
        let response = try request("GET", pollPath(sid), headers: origin.map { ["Origin": $0] } ?? [:], timeout: timeout)
        XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        return String(decoding: response.body, as: UTF8.self).split(separator: "\u{1e}").map(String.init)
    }

    /// A session past its Socket.IO CONNECT; its first poll returns the greeting.
    private func connectedSession(user: String) throws -> String {
        let sid = try handshake()
        XCTAssertEqual(try post(sid, "40{\"token\":\"\(Tokens.make(user: user))\"}").status, 200)
        return sid
    }
}
