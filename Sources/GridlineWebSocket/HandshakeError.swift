/// What the opening handshake (RFC 6455 §4.2.1) asked for, once it has been found valid.
public struct HandshakeRequest: Sendable, Equatable {
    /// The `Sec-WebSocket-Key` value as sent, trimmed; feed it to `acceptValue(forKey:)`.
    public var key: String
    /// `Sec-WebSocket-Protocol` tokens in the client's order of preference, from every
    /// header line (§4.2.1 item 8, §11.3.4).
    public var subprotocols: [String]
    /// `Origin`, when a browser sent it (§4.2.1 item 7, §10.2); the server decides policy.
    public var origin: String?

    public init(key: String, subprotocols: [String], origin: String?) {
        self.key = key
        self.subprotocols = subprotocols
        self.origin = origin
    }
}

/// Why an upgrade request was refused, with the HTTP status the server answers with
/// (§4.2.2: "an appropriate HTTP error code"; 426 plus `Sec-WebSocket-Version` for §4.4).
public enum HandshakeError: Error, Sendable, Equatable {
    case methodNotGet
    case httpVersionTooOld
    case missingUpgradeWebSocket
    case missingConnectionUpgrade
    case missingHost
    case duplicateHeader(String)
    case missingKey
    case malformedKey
    case malformedSubprotocol
    case unsupportedVersion

    /// 426 for a version we do not speak (§4.4), 400 for everything else malformed.
    public var status: Int {
        self == .unsupportedVersion ? 426 : 400
    }

    /// A short human-readable reason, safe to put in a response body or a log line.
    public var reason: String {
        switch self {
        case .methodNotGet: return "WebSocket upgrade requires GET"
        case .httpVersionTooOld: return "WebSocket upgrade requires HTTP/1.1"
        case .missingUpgradeWebSocket: return "Upgrade header must include websocket"
        case .missingConnectionUpgrade: return "Connection header must include Upgrade"
        case .missingHost: return "Host header required"
        case .duplicateHeader(let name): return "duplicate \(name) header"
        case .missingKey: return "Sec-WebSocket-Key header required"
        case .malformedKey: return "Sec-WebSocket-Key must be base64 of 16 bytes"
        case .malformedSubprotocol: return "Sec-WebSocket-Protocol must be a list of tokens"
        case .unsupportedVersion: return "Sec-WebSocket-Version must be 13"
        }
    }

    /// Headers the refusal must carry besides the status line (§4.4).
    public var extraHeaders: [(name: String, value: String)] {
        self == .unsupportedVersion ? [(name: "Sec-WebSocket-Version", value: "13")] : []
    }
}
