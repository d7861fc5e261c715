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
