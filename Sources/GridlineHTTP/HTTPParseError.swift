/// Why a request could not be parsed. Each case maps to the status the server answers
/// with before closing the connection; the parser stays failed afterwards.
public enum HTTPParseError: Error, Sendable, Equatable {
    /// Syntax or framing error (400). The string says which rule was broken.
    case malformed(String)
    /// Header section or trailer section over `HTTPLimits.maxHeaderBytes`, or too many fields (431).
    case headerTooLarge
    /// Request target over `HTTPLimits.maxURIBytes` (414).
    case uriTooLong
    /// HTTP major version other than 1 (505).
    case versionNotSupported
    /// A transfer coding we do not implement (501), RFC 9112 §6.1.
    case notImplemented(String)
    /// Body past the cap the caller set with `HTTPRequestParser.maxBodyBytes` (413).
    case contentTooLarge

    /// The HTTP status code to answer with.
    public var status: Int {
        switch self {
        case .malformed: 400
        case .headerTooLarge: 431
        case .uriTooLong: 414
        case .versionNotSupported: 505
        case .notImplemented: 501
        case .contentTooLarge: 413
        }
    }

    /// A short human-readable reason, suitable for an error body or a log line.
    public var reason: String {
        switch self {
        case .malformed(let why): why
        case .headerTooLarge: "request header fields too large"
        case .uriTooLong: "request target too long"
        case .versionNotSupported: "HTTP version not supported"
        case .notImplemented(let what): what
        case .contentTooLarge: "request body too large"
        }
    }
}
