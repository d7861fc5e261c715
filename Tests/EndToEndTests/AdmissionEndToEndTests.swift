import Foundation
import GridlineCrypto
import XCTest

/// Who gets in (SPEC §2) and how many (SPEC §1 limits), against the real server.
final class AdmissionEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: [
            "WEBSOCKET_ALLOWED_ORIGINS": "https://app.example.com,http://localhost:3000",
            "WEBSOCKET_MAX_CONNECTIONS_PER_USER": "2",
            "WEBSOCKET_CONNECT_RATE": "1000",
        ])
    }

    override func tearDown() {
        server.stop()
    }

    private func upgrade(query: String = "", headers: [String] = []) throws -> RawHTTPResponse? {
        let socket = try RawSocket(port: server.port)
        var lines = ["GET /api/v1/ws\(query) HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
        lines += headers
        socket.send(lines.joined(separator: "\r\n") + "\r\n\r\n")
        return RawHTTPResponse.parse(socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5))?.0
    }

    private func assertRefused(_ response: RawHTTPResponse?, status: Int, code: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response?.status, status, file: file, line: line)
        XCTAssertEqual(response?.json?["code"] as? String, code, file: file, line: line)
        XCTAssertNotNil(response?.json?["error"] as? String, file: file, line: line)
    }

    func testMissingOrBadTokensAreRefusedWith401() throws {
        assertRefused(try upgrade(), status: 401, code: "AUTHENTICATION_FAILED")
        assertRefused(try upgrade(query: "?token="), status: 401, code: "AUTHENTICATION_FAILED")
        assertRefused(try upgrade(query: "?token=not.a.jwt"), status: 401, code: "AUTHENTICATION_FAILED")
        let now = Int64(Date().timeIntervalSince1970)
        let otherSecret = JWT.sign(JWTClaims(sub: "eve", exp: now + 60), secret: Array("another-secret-another-secret-12345".utf8))
        assertRefused(try upgrade(query: "?token=\(otherSecret)"), status: 401, code: "AUTHENTICATION_FAILED")
        let expired = Tokens.make(user: "old", ttl: -120)
        assertRefused(try upgrade(query: "?token=\(expired)"), status: 401, code: "AUTHENTICATION_FAILED")
        let badRole = JWT.sign(JWTClaims(sub: "x", role: "superuser", exp: now + 60), secret: Array(ServerProcess.secret.utf8))
        assertRefused(try upgrade(query: "?token=\(badRole)"), status: 401, code: "AUTHENTICATION_FAILED")
        // alg "none" with the signature stripped.
        let header = Base64.encodeURL(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        let payload = Base64.encodeURL(Array(#"{"sub":"admin","role":"admin","exp":\#(now + 60)}"#.utf8))
        assertRefused(try upgrade(query: "?token=\(header).\(payload)."), status: 401, code: "AUTHENTICATION_FAILED")
    }

    func testEachTokenSourceIsAccepted() throws {
        let token = Tokens.make(user: "alice")
        XCTAssertEqual(try upgrade(query: "?token=\(token)")?.status, 101)
        XCTAssertEqual(try upgrade(headers: ["Authorization: Bearer \(token)"])?.status, 101)
        let viaProtocol = try XCTUnwrap(try upgrade(headers: ["Sec-WebSocket-Protocol: bearer, \(token)"]))
        XCTAssertEqual(viaProtocol.status, 101)
        XCTAssertEqual(viaProtocol.headers["sec-websocket-protocol"], "bearer")
    }

    func testOriginRules() throws {
        let token = Tokens.make(user: "alice")
        XCTAssertEqual(try upgrade(query: "?token=\(token)", headers: ["Origin: https://app.example.com"])?.status, 101)
        XCTAssertEqual(try upgrade(query: "?token=\(token)", headers: ["Origin: http://localhost:3000"])?.status, 101)
        XCTAssertEqual(try upgrade(query: "?token=\(token)", headers: ["Origin: http://127.0.0.1:\(server.port)"])?.status, 101,
                       "the server's own origin is always allowed")
        assertRefused(try upgrade(query: "?token=\(token)", headers: ["Origin: https://evil.example.com"]),
                      status: 403, code: "PERMISSION_DENIED")
        assertRefused(try upgrade(query: "?token=\(token)", headers: ["Origin: https://app.example.com:8443"]),
                      status: 403, code: "PERMISSION_DENIED")
        assertRefused(try upgrade(query: "?token=\(token)", headers: ["Origin: http://app.example.com"]),
                      status: 403, code: "PERMISSION_DENIED")
        XCTAssertEqual(try upgrade(query: "?token=\(token)")?.status, 101, "no Origin header: a non-browser client")
    }

    func testWildcardOriginAllowsAll() throws {
        let open = try ServerProcess(environment: ["WEBSOCKET_ALLOWED_ORIGINS": "*"])
        defer { open.stop() }
        let client = try TestClient(port: open.port, token: Tokens.make(user: "alice"), headers: ["Origin": "https://anything.test"])
        XCTAssertTrue(client.upgraded)
    }

    func testNewerConnectionSupersedesTheOldestWith1008() throws {
        let first = try TestClient(port: server.port, token: Tokens.make(user: "tabby"))
        XCTAssertNotNil(first.expect("connection_established"))
        let second = try TestClient(port: server.port, token: Tokens.make(user: "tabby"))
        XCTAssertNotNil(second.expect("connection_established"))
        let third = try TestClient(port: server.port, token: Tokens.make(user: "tabby"))
        XCTAssertNotNil(third.expect("connection_established"))
        XCTAssertEqual(first.expectClose(), 1008)
        XCTAssertTrue(first.closeReason.contains("superseded"))
        second.send(["type": "ping", "request_id": "2"])
        XCTAssertEqual(second.expect("pong")?["request_id"] as? String, "2")
        third.send(["type": "ping", "request_id": "3"])
        XCTAssertEqual(third.expect("pong")?["request_id"] as? String, "3")
    }

    func testConnectionBurstFromOneAddressIsClosedWith1013() throws {
        let limited = try ServerProcess(environment: ["WEBSOCKET_CONNECT_RATE": "3"])
        defer { limited.stop() }
        var codes: [UInt16?] = []
        var clients: [TestClient] = []
        for i in 0..<5 {
            let client = try TestClient(port: limited.port, token: Tokens.make(user: "burst\(i)"))
            XCTAssertTrue(client.upgraded, "excess connections are accepted first")
            clients.append(client)
        }
        for client in clients {
            XCTAssertNotNil(client.expect("connection_established"))
            codes.append(client.receivesNo("pong", within: 0.3) ? client.closeCode : nil)
        }
        XCTAssertEqual(codes, [nil, nil, nil, 1013, 1013])
        XCTAssertEqual(clients[3].closeReason, "Try again later")
    }

    func testTokensNeverAppearInTheLog() throws {
        let token = Tokens.make(user: "secretive")
        let client = try TestClient(port: server.port, token: token)
        XCTAssertNotNil(client.expect("connection_established"))
        client.send(["type": "ping", "request_id": "body-marker-123"])
        XCTAssertNotNil(client.expect("pong"))
        let forged = token.dropLast(4) + "AAAA"
        XCTAssertEqual(try upgrade(query: "?token=\(forged)")?.status, 401)
        XCTAssertEqual(try upgrade(headers: ["Authorization: Bearer \(forged)"])?.status, 401)
        client.sendClose()
        _ = client.expectClose()
        usleep(200_000)
        let log = server.log
        XCTAssertTrue(log.contains("\"event\":\"connected\""))
        XCTAssertTrue(log.contains("\"event\":\"admission_refused\""))
        XCTAssertTrue(log.contains("127.0.0.1"), "refusals name the client address")
        XCTAssertFalse(log.contains(token))
        XCTAssertFalse(log.contains(String(forged)))
        XCTAssertFalse(log.contains(String(token.split(separator: ".")[2])), "not even the signature")
        XCTAssertFalse(log.contains("body-marker-123"), "message bodies are not logged")
    }

    func testHostileTokensAreRefusedAndTheServerKeepsServing() throws {
        let valid = Tokens.make(user: "alice")
        let parts = valid.split(separator: ".").map(String.init)
        let now = Int64(Date().timeIntervalSince1970)
        func encoded(_ json: String) -> String { Base64.encodeURL(Array(json.utf8)) }
        var hostile: [String] = [
            "", ".", "..", "...", "a.b.c", parts[0], parts[0] + "." + parts[1], parts[0] + "." + parts[1] + ".",
            valid + ".", "." + valid, valid + "x", parts[0] + "." + parts[1] + "." + parts[2].dropLast(1),
            parts[0] + "=." + parts[1] + "." + parts[2], parts[0] + "." + parts[1] + "==." + parts[2],
            parts[0] + "." + parts[1] + "." + parts[2] + "=", String(repeating: "A", count: 100_000),
            String(repeating: "a", count: 9000) + "." + parts[1] + "." + parts[2],
            encoded(#"{"alg":"HS512","typ":"JWT"}"#) + "." + parts[1] + "." + parts[2],
            encoded(#"{"alg":"RS256","typ":"JWT"}"#) + "." + parts[1] + "." + parts[2],
            encoded(#"{"alg":"none"}"#) + "." + parts[1] + ".",
            encoded(#"{"alg":"None"}"#) + "." + parts[1] + ".",
            encoded(#"{"alg":"hs256"}"#) + "." + parts[1] + "." + parts[2],
            encoded(#"{"typ":"JWT"}"#) + "." + parts[1] + "." + parts[2],
            encoded(#"{"alg":"HS256","crit":["exp"]}"#) + "." + parts[1] + "." + parts[2],
            encoded(#"["HS256"]"#) + "." + parts[1] + "." + parts[2],
            encoded("null") + "." + parts[1] + "." + parts[2],
            encoded("{") + "." + parts[1] + "." + parts[2],
            parts[0] + "." + encoded(#"{"sub":"admin","role":"admin","exp":\#(now + 60)}"#) + "." + parts[2],
            parts[0] + "." + encoded("[]") + "." + parts[2],
            parts[0] + "." + encoded("\"x\"") + "." + parts[2],
            parts[0] + "." + parts[1] + "." + Base64.encodeURL([UInt8](repeating: 0, count: 32)),
            parts[0] + "." + parts[1] + "." + parts[2].uppercased(),
            parts[0] + "." + parts[1] + "." + parts[2].lowercased(),
            parts[0].replacingOccurrences(of: "J", with: "K") + "." + parts[1] + "." + parts[2],
            "Bearer " + valid, valid.replacingOccurrences(of: ".", with: ".."),
            "eyJhbGciOiJIUzI1NiJ9.e30.", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA",
            "\u{0}" + valid, valid + "\r\nX-Injected: 1", "%00" + valid, "ünïcödé.ünïcödé.ünïcödé",
        ]
        for i in stride(from: 1, to: valid.count, by: max(1, valid.count / 12)) { hostile.append(String(valid.prefix(i))) }
        XCTAssertGreaterThanOrEqual(hostile.count, 50)
        var refused = 0
        for token in hostile {
            let escaped = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? ""
            let viaQuery = try upgrade(query: "?token=\(escaped)")?.status
            let viaHeader = try upgrade(headers: ["Authorization: Bearer \(escaped)"])?.status
            XCTAssertNotEqual(viaQuery, 101, "accepted \(token.prefix(80))")
            XCTAssertNotEqual(viaHeader, 101, "accepted \(token.prefix(80))")
            if viaQuery == 401 || viaQuery == 431 || viaQuery == 414 { refused += 1 }
        }
        XCTAssertEqual(refused, hostile.count)
        XCTAssertEqual(try upgrade(query: "?token=\(valid)")?.status, 101, "the server keeps serving")
        print("hostile tokens refused: \(refused)")
    }
}
