import GridlineCrypto
import GridlineWebSocket

/// The client half of the opening handshake (RFC 6455 §4.1): the request we send and the
/// checks on the server's answer. Pure functions over bytes, so they test without a socket.
public enum ClientHandshake {
    /// What the server's response head said.
    public enum Outcome: Sendable, Equatable {
        /// No blank line yet: read more.
        case incomplete
        /// A valid 101 whose head (blank line included) is `headLength` bytes; the rest is frames.
        case accepted(headLength: Int)
        /// Any other status, e.g. 401 for a refused token (SPEC §2).
        case refused(status: Int)
        /// §4.1 item 4: a Sec-WebSocket-Accept that is missing or wrong fails the connection.
        case badAccept
        /// Not HTTP, a 101 without the Upgrade/Connection tokens, or a head past the size cap.
        case malformed
    }

    /// Responses longer than this without a blank line are not a WebSocket server talking.
    public static let maxHeadBytes = 16 * 1024

    /// The GET request; the token travels in `Authorization: Bearer` so it stays out of URLs.
    public static func request(path: String, host: String, port: UInt16, token: String, key: String) -> [UInt8] {
        let text = "GET \(path) HTTP/1.1\r\n"
            + "Host: \(host):\(port)\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Authorization: Bearer \(token)\r\n"
            + "User-Agent: gridline-bench\r\n\r\n"
        return Array(text.utf8)
    }

    /// §4.1: the nonce is 16 random bytes, base64-encoded.
    public static func key(random: inout BenchRandom) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for _ in 0..<2 {
            let word = random.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return Base64.encode(bytes)
    }

    /// Checks a response head against the accept value the key calls for (§4.1 items 1–4).
    public static func check(_ response: UnsafeBufferPointer<UInt8>, expectedAccept: String) -> Outcome {
        guard let headLength = headEnd(response) else {
            return response.count > maxHeadBytes ? .malformed : .incomplete
        }
        let head = String(decoding: UnsafeBufferPointer(rebasing: response[0..<headLength]), as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: true)
        guard !lines.isEmpty else { return .malformed }
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            return .malformed
        }
        guard status == 101 else { return .refused(status: status) }
        var accept: Substring?
        var upgrade = false
        var connection = false
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { return .malformed }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch name {
            case "sec-websocket-accept": accept = value
            case "upgrade": upgrade = value.lowercased() == "websocket"
            case "connection":
                connection = value.split(separator: ",").contains { $0.trimmingSpaces().lowercased() == "upgrade" }
            default: break
            }
        }
        guard upgrade, connection else { return .malformed }
        guard let accept, accept == expectedAccept else { return .badAccept }
        return .accepted(headLength: headLength)
    }

    /// The accept value for our key (§4.2.2 item 5.4), computed by the shared codec.
    public static func expectedAccept(forKey key: String) -> String {
        WebSocketHandshake.acceptValue(forKey: key)
    }

    /// Index just past the first CRLF CRLF, if any.
    private static func headEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = 3
        while index < bytes.count {
            if bytes[index] == 0x0A, bytes[index - 1] == 0x0D, bytes[index - 2] == 0x0A, bytes[index - 3] == 0x0D {
                return index + 1
            }
            index += 1
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
