/// A response to serialize: status, header fields and a complete body.
///
/// `serialize` always frames the body with a correct Content-Length (so a keep-alive client
/// knows where the next response starts) and drops any Content-Length or Transfer-Encoding
/// the caller set, since a wrong one would desynchronise the connection (RFC 9112 §6.2).
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Adds `Connection: close` (replacing any Connection field): the server closes after writing.
    public var closeConnection: Bool

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], closeConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.closeConnection = closeConnection
    }

    /// A response with `Content-Type: application/json`.
    public static func json(status: Int, body: [UInt8], closeConnection: Bool = false) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "application/json"], body: body,
            closeConnection: closeConnection)
    }

    /// The interim response a server sends when it will read a body the client held back
    /// with `Expect: 100-continue` (RFC 9110 §10.1.1).
    public static let continueBytes: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Appends the status line, header fields, blank line and body.
    /// No body is written for 1xx, 204 and 304 (RFC 9110 §6.4.1).
    public func serialize(into out: inout [UInt8]) {
        serializeHead(contentLength: Int64(body.count), into: &out)
        if !HTTPStatus.forbidsContent(status) { out.append(contentsOf: body) }
    }

    /// Appends only the status line, header fields and blank line, declaring `contentLength`
    /// body bytes that the caller writes itself (a streamed download, or the answer to HEAD,
    /// RFC 9110 §9.3.2). `body` is ignored.
    public func serializeHead(contentLength: Int64, into out: inout [UInt8]) {
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        out.append(contentsOf: String(status).utf8)
        out.append(HTTPBytes.space)
        out.append(contentsOf: HTTPStatus.reasonPhrase(status).utf8)
        Self.appendLineEnd(&out)
        for field in headers.fields {
            let name = field.name.utf8
            if HTTPBytes.equalsIgnoringCase(name, "Content-Length".utf8)
                || HTTPBytes.equalsIgnoringCase(name, "Transfer-Encoding".utf8)
                || (closeConnection && HTTPBytes.equalsIgnoringCase(name, "Connection".utf8)) {
                continue
            }
            Self.appendField(field.name, field.value, to: &out)
        }
        // RFC 9110 §8.6: never in 1xx or 204; for 304 it would describe the unsent 200 body.
        if !HTTPStatus.forbidsContent(status) {
            Self.appendField("Content-Length", String(contentLength), to: &out)
        }
        if closeConnection { Self.appendField("Connection", "close", to: &out) }
        Self.appendLineEnd(&out)
    }

    /// Invalid bytes in a name are dropped and controls in a value become spaces: a value
    /// built from user input must never be able to end the line and inject a header (RFC 9110 §5.5).
    private static func appendField(_ name: String, _ value: String, to out: inout [UInt8]) {
        for b in name.utf8 where HTTPBytes.isTokenChar(b) { out.append(b) }
        out.append(HTTPBytes.colon)
        out.append(HTTPBytes.space)
        for b in value.utf8 { out.append(HTTPBytes.isFieldValueChar(b) ? b : HTTPBytes.space) }
        appendLineEnd(&out)
    }

    private static func appendLineEnd(_ out: inout [UInt8]) {
        out.append(HTTPBytes.cr)
        out.append(HTTPBytes.lf)
    }
}
