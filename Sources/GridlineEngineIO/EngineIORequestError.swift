/// The error answers of engine.io's `Server.errors` / `Server.errorMessages`, with the status its
/// `abortRequest` sends: 403 for `forbidden`, 400 for every other one, and a JSON body
/// `{"code":<code>,"message":"<message>"}`.
public enum EngineIORequestError: Error, Sendable, Equatable, CaseIterable {
    case transportUnknown
    case sessionIDUnknown
    case badHandshakeMethod
    case badRequest
    case forbidden
    case unsupportedProtocolVersion

    public var code: Int {
        switch self {
        case .transportUnknown: return 0
        case .sessionIDUnknown: return 1
        case .badHandshakeMethod: return 2
        case .badRequest: return 3
        case .forbidden: return 4
        case .unsupportedProtocolVersion: return 5
        }
    }

    public var message: String {
        switch self {
        case .transportUnknown: return "Transport unknown"
        case .sessionIDUnknown: return "Session ID unknown"
        case .badHandshakeMethod: return "Bad handshake method"
        case .badRequest: return "Bad request"
        case .forbidden: return "Forbidden"
        case .unsupportedProtocolVersion: return "Unsupported protocol version"
        }
    }

    public var httpStatus: Int { self == .forbidden ? 403 : 400 }

    /// The response body, sent with `Content-Type: application/json`.
    public var jsonBody: [UInt8] { jsonBody(message: message) }

    /// The body with another message, as engine.io sends the `allowRequest` reason for `forbidden`.
    public func jsonBody(message: String) -> [UInt8] {
        var out: [UInt8] = Array(#"{"code":"#.utf8)
        JSONWriter.appendInteger(code, into: &out)
        out.append(contentsOf: #","message":"#.utf8)
        JSONWriter.appendString(message, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
