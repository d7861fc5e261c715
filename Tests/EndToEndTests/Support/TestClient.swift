import Foundation
import GridlineCrypto
import GridlineJSON
import GridlineWebSocket
import XCTest

/// A WebSocket client for end-to-end tests: our own handshake, masked frames, and a decoder in
/// client role. Reads block with timeouts so a broken server fails a test instead of hanging it.
final class TestClient {
    let socket: RawSocket
    private var decoder = FrameDecoder(role: .client, maxMessageBytes: 64 << 20)
    private var buffer: [UInt8] = []
    private(set) var handshake: RawHTTPResponse?
    /// Messages received while waiting for something else, in order.
    private var queued: [[String: Any]] = []
    private(set) var closeCode: UInt16?
    private(set) var closeReason = ""

    /// Connects and upgrades; `token` goes in the query unless nil.
    init(port: UInt16, token: String?, path: String = "/api/v1/ws", headers: [String: String] = [:]) throws {
        socket = try RawSocket(port: port)
        var target = path
        if let token { target += "?token=" + token }
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        socket.send(request)
        let bytes = socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: 5)
        guard let (response, used) = RawHTTPResponse.parse(bytes) else {
            throw NSError(domain: "TestClient", code: 1, userInfo: [NSLocalizedDescriptionKey: "no handshake response"])
        }
        handshake = response
        buffer = Array(bytes[used...])
    }

    var upgraded: Bool { handshake?.status == 101 }

    /// Connects as `user` and joins `room`, checking `connection_established` and `room_state`.
    static func joined(port: UInt16, user: String, room: String = "demo", role: String = "editor",
                       rooms: [String]? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> TestClient {
        let client = try TestClient(port: port, token: Tokens.make(user: user, role: role, rooms: rooms))
        XCTAssertNotNil(client.expect("connection_established", file: file, line: line))
        client.send(["type": "join_room", "room_id": room])
        XCTAssertNotNil(client.expect("room_state", file: file, line: line))
        return client
    }

    // MARK: Sending

    func sendFrame(_ opcode: Opcode, _ payload: [UInt8], fin: Bool = true) {
        var frame: [UInt8] = []
        FrameEncoder.encodeMasked(opcode: opcode, payload: payload, maskKey: UInt32.random(in: 0...UInt32.max),
                                  fin: fin, into: &frame)
        socket.send(frame)
    }

    func send(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object)
        sendFrame(.text, Array(data))
    }

    func sendText(_ text: String) { sendFrame(.text, Array(text.utf8)) }

    /// Sends the messages as text frames in one socket write, so the server reads them together
    /// and handles them in one loop pass, before anything they start can finish.
    func sendTogether(_ objects: [[String: Any]]) {
        var frames: [UInt8] = []
        for object in objects {
            let data = try! JSONSerialization.data(withJSONObject: object)
            FrameEncoder.encodeMasked(opcode: .text, payload: Array(data), maskKey: UInt32.random(in: 0...UInt32.max),
                                      fin: true, into: &frames)
        }
        socket.send(frames)
    }

    func sendClose(code: UInt16 = 1000, reason: String = "") {
        sendFrame(.close, FrameEncoder.closePayload(code: code, reason: reason))
    }

    // MARK: Receiving

    /// The next event, or nil on timeout or when the socket closed.
    func nextEvent(timeout: TimeInterval = 5) -> WebSocketEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if !buffer.isEmpty {
                do {
                    let (consumed, event) = try buffer.withUnsafeBytes { try decoder.decode($0) }
                    buffer.removeFirst(consumed)
                    if let event {
                        if case .close(let code, let reason) = event {
                            closeCode = code
                            closeReason = reason
                        }
                        return event
                    }
                    if consumed > 0 { continue }
                } catch {
                    XCTFail("server sent an invalid frame: \(error)")
                    return nil
                }
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            let chunk = socket.receive(timeout: remaining)
            if chunk.isEmpty && socket.closedByPeer { return nil }
            buffer += chunk
        }
    }

    /// The next JSON message (skipping control frames), or nil on timeout/close.
    func nextMessage(timeout: TimeInterval = 5) -> [String: Any]? {
        if !queued.isEmpty { return queued.removeFirst() }
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let event = nextEvent(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if case .text(let bytes) = event,
               let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
                return object
            }
            if case .close = event { return nil }
        }
        return nil
    }

    /// The answer to the cell write sent with request id `id` (its `cell_updated` or `error`),
    /// skipping everything else; nil after `timeout`.
    func cellReply(to id: String, timeout: TimeInterval = 10) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0, let message = nextMessage(timeout: deadline.timeIntervalSinceNow) {
            let type = message["type"] as? String
            if type == "cell_updated" || type == "error", message["request_id"] as? String == id { return message }
        }
        return nil
    }

    /// Waits for a message of `type` (and matching `predicate`), keeping others for later
    /// `nextMessage` calls.
    func expect(_ type: String, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line,
                _ predicate: ([String: Any]) -> Bool = { _ in true }) -> [String: Any]? {
        func matches(_ object: [String: Any]) -> Bool { object["type"] as? String == type && predicate(object) }
        if let index = queued.firstIndex(where: matches) {
            return queued.remove(at: index)
        }
        let deadline = Date().addingTimeInterval(timeout)
        var skipped: [[String: Any]] = []
        defer { queued.append(contentsOf: skipped) }
        while deadline.timeIntervalSinceNow > 0 {
            guard let event = nextEvent(timeout: deadline.timeIntervalSinceNow) else { break }
            guard case .text(let bytes) = event,
                  let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { continue }
            if matches(object) { return object }
            skipped.append(object)
        }
        XCTFail("no \(type) within \(timeout)s; got \(skipped.map { $0["type"] ?? "?" })", file: file, line: line)
        return nil
    }

    /// Whether no message of `type` arrives within `timeout`.
    func receivesNo(_ type: String, within timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let event = nextEvent(timeout: deadline.timeIntervalSinceNow) else { return true }
            if case .text(let bytes) = event,
               let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
                if object["type"] as? String == type { return false }
                queued.append(object)
            }
        }
        return true
    }

    /// Reads until a close frame; returns its code (nil if the socket ended without one).
    func expectClose(timeout: TimeInterval = 5) -> UInt16? {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let event = nextEvent(timeout: deadline.timeIntervalSinceNow) else { return closeCode }
            if case .close(let code, _) = event { return code }
        }
        return nil
    }

    func close() { socket.close() }
}

/// Tokens signed with the test server's secret.
enum Tokens {
    static func make(user: String, role: String = "editor", username: String? = nil, rooms: [String]? = nil,
                     ttl: Int64 = 3600) -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let claims = JWTClaims(sub: user, username: username ?? user, email: "\(user)@example.com", role: role,
                               exp: now + ttl, nbf: nil, iat: now, rooms: rooms)
        return JWT.sign(claims, secret: Array(ServerProcess.secret.utf8))
    }
}
