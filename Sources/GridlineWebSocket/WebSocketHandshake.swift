import GridlineCrypto

/// The server side of the opening handshake (RFC 6455 §4.2): checks an already parsed HTTP
/// request and produces the 101 response head. Knows nothing of sockets or the HTTP parser,
/// so the HTTP module hands over method, minor version and header lines as they came.
public enum WebSocketHandshake: Sendable {
    /// §1.3 / §4.2.2: the GUID appended to the key before hashing.
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Checks a client handshake (§4.2.1). Header names are case-insensitive; list-valued
    /// headers may be split over several lines (RFC 7230 §3.2.2). Checks run in a fixed
    /// order and the version comes before the key, so an old-protocol client (which sends
    /// no key) learns which version to use rather than getting a bare 400.
    public static func validate(
        method: String, versionMinor: Int, headers: [(name: String, value: String)]
    ) -> Result<HandshakeRequest, HandshakeError> {
        // §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
        guard method == "GET" else { return .failure(.methodNotGet) }
        guard versionMinor >= 1 else { return .failure(.httpVersionTooOld) }

        var upgradeWebSocket = false
        var connectionUpgrade = false
        var hostCount = 0
        var keys: [String] = []
        var versions: [String] = []
        var protocolLines: [String] = []
        var origin: String?
        for (name, value) in headers {
            switch asciiLowercased(name) {
            // §4.2.1 item 3: Upgrade includes "websocket" (case-insensitive token).
            case "upgrade": upgradeWebSocket = upgradeWebSocket || containsToken(value, "websocket")
            // §4.2.1 item 4: Connection includes the "Upgrade" token.
            case "connection": connectionUpgrade = connectionUpgrade || containsToken(value, "upgrade")
            case "host": hostCount += 1
            case "sec-websocket-key": keys.append(trimmed(value))
            case "sec-websocket-version": versions.append(trimmed(value))
            case "sec-websocket-protocol": protocolLines.append(value)
            case "origin": origin = trimmed(value)
            default: break
            }
        }
        guard upgradeWebSocket else { return .failure(.missingUpgradeWebSocket) }
        guard connectionUpgrade else { return .failure(.missingConnectionUpgrade) }
        // §4.2.1 item 2: a Host header; more than one is malformed (RFC 7230 §5.4).
        guard hostCount > 0 else { return .failure(.missingHost) }
        guard hostCount == 1 else { return .failure(.duplicateHeader("Host")) }
        // §4.2.1 item 6 and §4.4: anything but exactly "13" gets 426 with the version we speak.
        guard versions.count == 1, versions[0] == "13" else { return .failure(.unsupportedVersion) }
        // §4.2.1 item 5: the key is base64 of a 16-byte nonce; §11.3.1: it appears once.
        guard let key = keys.first else { return .failure(.missingKey) }
        guard keys.count == 1 else { return .failure(.duplicateHeader("Sec-WebSocket-Key")) }
        guard let nonce = Base64.decode(key), nonce.count == 16 else { return .failure(.malformedKey) }

        // §4.2.1 item 8, §11.3.4: comma-separated tokens, possibly over several lines.
        var subprotocols: [String] = []
        for line in protocolLines {
            for element in line.split(separator: ",", omittingEmptySubsequences: false) {
                let token = trimmed(Substring(element))
                if token.isEmpty { continue }
                guard isToken(token) else { return .failure(.malformedSubprotocol) }
                subprotocols.append(token)
            }
        }
        return .success(HandshakeRequest(key: key, subprotocols: subprotocols, origin: origin))
    }

    /// §4.2.2 item 5.4: base64(SHA-1(key + GUID)).
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + guid).utf8)))
    }

    /// The whole 101 response head, blank line included (§4.2.2 item 5). `subprotocol`, when
    /// given, must be one the client offered (§4.2.2 item 5.4 /subprotocol/).
    public static func responseHead(accept: String, subprotocol: String?) -> [UInt8] {
        var head = "HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(accept)\r\n"
        if let subprotocol { head += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// A complete refusal response (status line, headers, short text body) for servers that
    /// do not want to build it through their HTTP writer. `Connection: close` because a
    /// failed upgrade leaves no protocol to continue in.
    public static func refusalResponse(for error: HandshakeError) -> [UInt8] {
        let statusText = error.status == 426 ? "Upgrade Required" : "Bad Request"
        let body = error.reason + "\n"
        var head = "HTTP/1.1 \(error.status) \(statusText)\r\n"
        for header in error.extraHeaders { head += "\(header.name): \(header.value)\r\n" }
        head += "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n"
        return Array((head + body).utf8)
    }

    // MARK: - ASCII helpers (header names and tokens are ASCII, RFC 7230 §3.2)

    private static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    private static func trimmed<S: StringProtocol>(_ text: S) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }

    private static func containsToken(_ list: String, _ token: String) -> Bool {
        list.split(separator: ",").contains { asciiLowercased(trimmed($0)) == token }
    }

    /// RFC 7230 §3.2.6 tchar.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
    }
}
