/// The request line and header section of one request, with the framing and
/// connection decisions already made so the server never re-derives them.
public struct HTTPRequestHead: Sendable, Equatable {
    /// Case-sensitive method token (RFC 9110 §9.1).
    public var method: String
    /// The request target exactly as sent.
    public var target: String
    /// The raw (still percent-encoded) path: the part of an origin-form target before `?`,
    /// the path of an absolute-form target (`/` when it has none), or `*` for asterisk-form.
    public var path: String
    /// The raw query after the first `?`, without it; nil when there was no `?`.
    public var query: String?
    /// 0 for HTTP/1.0, 1 for HTTP/1.1 (and for later 1.x, RFC 9110 §2.5).
    public var versionMinor: Int
    public var headers: HTTPHeaders
    /// Whether the connection may carry another request after this one (RFC 9112 §9.3):
    /// HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool
    /// The declared body length; nil when the body is chunked or absent (absent means empty).
    public var contentLength: Int64?
    /// Whether the body uses the chunked transfer coding; its length is then known only at the end.
    public var isChunked: Bool

    public init(
        method: String, target: String, path: String, query: String?, versionMinor: Int,
        headers: HTTPHeaders, keepAlive: Bool, contentLength: Int64?, isChunked: Bool
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.versionMinor = versionMinor
        self.headers = headers
        self.keepAlive = keepAlive
        self.contentLength = contentLength
        self.isChunked = isChunked
    }

    /// Whether the client waits for `100 Continue` before sending the body (RFC 9110 §10.1.1).
    /// Only HTTP/1.1 clients may ask; a server that will refuse the body answers the final status instead.
    public var expectsContinue: Bool {
        versionMinor >= 1 && headers.containsToken("Expect", "100-continue")
    }

    /// Whether body events will follow the head.
    public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }
}

/// What one call to `HTTPRequestParser.parse` produced.
public enum HTTPParseEvent: Sendable, Equatable {
    /// A complete request head. Body events (if any) and then `.end` follow.
    case head(HTTPRequestHead)
    /// Body bytes: a non-empty range of indices into the buffer passed to that `parse` call,
    /// valid only until the caller reuses that buffer. Chunked framing is already removed.
    case body(Range<Int>)
    /// The request (head and body) is complete; the next bytes start the next request.
    case end
}
