import XCTest
@testable import GridlineWebSocket

/// The server's opening handshake (RFC 6455 §4.2.1, §4.2.2) and its refusals.
final class WebSocketHandshakeTests: XCTestCase {
    private let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

    private func headers(removing removed: String? = nil, replacing: [String: String] = [:],
                         adding: [(name: String, value: String)] = []) -> [(name: String, value: String)] {
        var base: [(name: String, value: String)] = [
            ("Host", "server.example.com"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", sampleKey), ("Origin", "http://example.com"),
            ("Sec-WebSocket-Protocol", "chat, superchat"), ("Sec-WebSocket-Version", "13"),
        ]
        base = base.filter { $0.name != removed }.map { (name: $0.name, value: replacing[$0.name] ?? $0.value) }
        return base + adding
    }

    private func refusal(_ headers: [(name: String, value: String)], method: String = "GET", minor: Int = 1) -> HandshakeError? {
        if case .failure(let error) = WebSocketHandshake.validate(method: method, versionMinor: minor, headers: headers) {
            return error
        }
        return nil
    }

    // RFC 6455 §1.3: the sample key and its accept value.
    func testSampleKeyFromSection1Point3GivesTheDocumentedAccept() {
        XCTAssertEqual(WebSocketHandshake.acceptValue(forKey: sampleKey), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    // RFC 6455 §1.2: the sample client handshake is accepted.
    func testSampleHandshakeFromSection1Point2IsAccepted() throws {
        let request = try WebSocketHandshake.validate(method: "GET", versionMinor: 1, headers: headers()).get()
        XCTAssertEqual(request, HandshakeRequest(key: sampleKey, subprotocols: ["chat", "superchat"], origin: "http://example.com"))
    }

    func testResponseHeadIsTheDocumented101() {
        let head = WebSocketHandshake.responseHead(accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", subprotocol: "chat")
        XCTAssertEqual(String(decoding: head, as: UTF8.self),
                       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n")
        let bare = String(decoding: WebSocketHandshake.responseHead(accept: "x", subprotocol: nil), as: UTF8.self)
        XCTAssertFalse(bare.contains("Sec-WebSocket-Protocol"))
        XCTAssertTrue(bare.hasSuffix("Sec-WebSocket-Accept: x\r\n\r\n"))
    }

    func testHeaderNamesAndTokensAreCaseInsensitiveAndListsAreSplit() throws {
        let mixed: [(name: String, value: String)] = [
            ("host", "h"), ("UPGRADE", "h2c, WebSocket"), ("connection", "keep-alive, upgrade"),
            ("sec-websocket-key", " \(sampleKey) "), ("SEC-WEBSOCKET-VERSION", "13"),
            ("Sec-WebSocket-Protocol", "a,  b"), ("sec-websocket-protocol", "c"),
        ]
        let request = try WebSocketHandshake.validate(method: "GET", versionMinor: 1, headers: mixed).get()
        XCTAssertEqual(request, HandshakeRequest(key: sampleKey, subprotocols: ["a", "b", "c"], origin: nil))
    }

    func testUpgradeValueMustBeAWholeToken() {
        XCTAssertEqual(refusal(headers(replacing: ["Upgrade": "websocketx"])), .missingUpgradeWebSocket)
        XCTAssertEqual(refusal(headers(replacing: ["Connection": "upgraded"])), .missingConnectionUpgrade)
    }

    func testMalformedRequestsAreRefusedWith400() {
        let cases: [(HandshakeError?, HandshakeError)] = [
            (refusal(headers(), method: "POST"), .methodNotGet),
            (refusal(headers(), method: "get"), .methodNotGet),
            (refusal(headers(), minor: 0), .httpVersionTooOld),
            (refusal(headers(removing: "Upgrade")), .missingUpgradeWebSocket),
            (refusal(headers(removing: "Connection")), .missingConnectionUpgrade),
            (refusal(headers(removing: "Host")), .missingHost),
            (refusal(headers(adding: [("Host", "other")])), .duplicateHeader("Host")),
            (refusal(headers(removing: "Sec-WebSocket-Key")), .missingKey),
            (refusal(headers(adding: [("Sec-WebSocket-Key", sampleKey)])), .duplicateHeader("Sec-WebSocket-Key")),
            (refusal(headers(replacing: ["Sec-WebSocket-Key": "not base64!"])), .malformedKey),
            (refusal(headers(replacing: ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25j"])), .malformedKey),  // 15 bytes
            (refusal(headers(replacing: ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZTE="])), .malformedKey),  // 17 bytes
            (refusal(headers(replacing: ["Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ"])), .malformedKey),  // unpadded
            (refusal(headers(replacing: ["Sec-WebSocket-Protocol": "chat, bad token"])), .malformedSubprotocol),
        ]
        for (actual, expected) in cases {
            XCTAssertEqual(actual, expected)
            XCTAssertEqual(actual?.status, 400, "\(expected)")
            XCTAssertFalse(expected.reason.isEmpty)
            XCTAssertTrue(expected.extraHeaders.isEmpty)
        }
    }

    // §4.2.2 item 4 and §4.4: any version but 13 gets 426 with the version we speak.
    func testOtherOrMissingVersionsAreRefusedWith426() {
        for error in [refusal(headers(replacing: ["Sec-WebSocket-Version": "8"])),
                      refusal(headers(replacing: ["Sec-WebSocket-Version": "13, 8"])),
                      refusal(headers(removing: "Sec-WebSocket-Version")),
                      refusal(headers(removing: "Sec-WebSocket-Key", replacing: ["Sec-WebSocket-Version": "7"]))] {
            XCTAssertEqual(error, .unsupportedVersion)
            XCTAssertEqual(error?.status, 426)
        }
        let response = String(decoding: WebSocketHandshake.refusalResponse(for: .unsupportedVersion), as: UTF8.self)
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"))
        let badRequest = String(decoding: WebSocketHandshake.refusalResponse(for: .missingHost), as: UTF8.self)
        XCTAssertTrue(badRequest.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        XCTAssertTrue(badRequest.hasSuffix("\r\n\r\nHost header required\n"))
    }

    func testNoSubprotocolHeaderGivesAnEmptyList() throws {
        let request = try WebSocketHandshake.validate(
            method: "GET", versionMinor: 1, headers: headers(removing: "Sec-WebSocket-Protocol")).get()
        XCTAssertEqual(request.subprotocols, [])
    }
}
