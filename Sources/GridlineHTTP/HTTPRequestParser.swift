/// Incremental HTTP/1.1 request parser (RFC 9112) for keep-alive and pipelined connections.
///
/// The caller owns the bytes. Each `parse` call consumes a prefix of the buffer it is given
/// and returns at most one event; the caller drops the consumed bytes and calls again with
/// the rest. A call that returns no event has consumed everything and needs more bytes.
/// After an event, call again even with an empty buffer: `.end` may be ready without input.
///
/// Bodies are never buffered: `.body` events are ranges into the caller's buffer, so a
/// 100 MB upload passes through in read-sized pieces. Only a header line split across
/// reads is copied, and never more than `HTTPLimits.maxHeaderBytes`.
///
/// Choices where RFC 9112 leaves room: a bare LF ends a line in the head (§2.2) but chunked
/// framing requires CRLF; empty lines before a request line are skipped (§2.2); targets may
/// be origin-form, absolute-form (its path is used) or `*` for OPTIONS, never authority-form;
/// HTTP/1.2+ is read as 1.1 (RFC 9110 §2.5), other majors get 505.
///
/// After an error every further call throws the same error; answer with its status and close.
public struct HTTPRequestParser: Sendable {
    private enum State: Sendable {
        case head
        case fixedBody(remaining: Int64, total: Int64)
        case chunkSize(size: Int64, digits: Int)
        case chunkExtension(size: Int64, afterSemicolon: Bool)
        case chunkSizeLineFeed(size: Int64)
        case chunkData(remaining: Int64)
        case chunkDataCR
        case chunkDataLineFeed
        case trailer(lineLength: Int, afterCR: Bool)
        case endPending
    }

    public let limits: HTTPLimits
    /// The body cap for the current request (413 past it). Set it after `.head`, once the
    /// route is known; it is cleared when the next request's head arrives. A declared
    /// Content-Length over the cap fails on the next call, before any body byte is read;
    /// a chunked body fails as soon as a chunk size would cross it.
    public var maxBodyBytes: Int64?

    private var state = State.head
    private var headReader: HTTPHeadReader
    private var failure: HTTPParseError?
    private var bodyReceived: Int64 = 0
    private var chunkLineBytes = 0
    private var trailerBytes = 0

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
        headReader = HTTPHeadReader(limits: limits)
    }

    /// Whether the parser is between requests with nothing of the next one read yet, so
    /// the connection can be closed (idle timeout, shutdown, EOF) without cutting a request.
    public var isIdle: Bool {
        if case .head = state { return failure == nil && headReader.isIdle }
        return false
    }

    /// Consumes a prefix of `bytes` and returns how much and at most one event.
    /// `consumed <= bytes.count`; a `.body` range lies inside `0..<consumed`.
    public mutating func parse(
        _ bytes: UnsafeRawBufferPointer
    ) throws(HTTPParseError) -> (consumed: Int, event: HTTPParseEvent?) {
        if let failure { throw failure }
        do {
            return try step(bytes)
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step(
        _ bytes: UnsafeRawBufferPointer
    ) throws(HTTPParseError) -> (consumed: Int, event: HTTPParseEvent?) {
        let n = bytes.count
        var i = 0
        while true {
            switch state {
            case .head:
                if i == n { return (n, nil) }
                let (end, head) = try headReader.read(bytes, from: i)
                guard let head else { return (end, nil) }
                startBody(of: head)
                return (end, .head(head))

            case .fixedBody(let remaining, let total):
                if let cap = maxBodyBytes, total > cap { throw .contentTooLarge }
                if i == n { return (n, nil) }
                let take = Int(min(Int64(n - i), remaining))
                state = remaining == Int64(take) ? .endPending : .fixedBody(remaining: remaining - Int64(take), total: total)
                return (i + take, .body(i..<(i + take)))

            case .chunkData(let remaining):
                if i == n { return (n, nil) }
                let take = Int(min(Int64(n - i), remaining))
                state = remaining == Int64(take) ? .chunkDataCR : .chunkData(remaining: remaining - Int64(take))
                return (i + take, .body(i..<(i + take)))

            case .endPending:
                state = .head
                return (i, .end)

            case .trailer(let lineLength, let afterCR):
                if i == n { return (n, nil) }
                let b = bytes[i]
                i += 1
                if try readTrailerByte(b, lineLength: lineLength, afterCR: afterCR) {
                    state = .head
                    return (i, .end)
                }

            default:
                if i == n { return (n, nil) }
                try readChunkFramingByte(bytes[i])
                i += 1
            }
        }
    }

    private mutating func startBody(of head: HTTPRequestHead) {
        maxBodyBytes = nil
        bodyReceived = 0
        chunkLineBytes = 0
        if head.isChunked {
            state = .chunkSize(size: 0, digits: 0)
        } else if let length = head.contentLength, length > 0 {
            state = .fixedBody(remaining: length, total: length)
        } else {
            state = .endPending
        }
    }

    /// chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF (RFC 9112 §7.1), one framing byte at a time.
    private mutating func readChunkFramingByte(_ b: UInt8) throws(HTTPParseError) {
        switch state {
        case .chunkSize(let size, let digits):
            try countChunkLineByte()
            if let digit = HTTPBytes.hexValue(b) {
                // RFC 9112 §7.1: recipients MUST anticipate large hex numbers and guard against overflow.
                guard size <= (Int64.max - Int64(digit)) / 16 else { throw .malformed("chunk size too large") }
                state = .chunkSize(size: size * 16 + Int64(digit), digits: digits + 1)
            } else if digits == 0 {
                throw .malformed("invalid chunk size")
            } else if b == HTTPBytes.cr {
                state = .chunkSizeLineFeed(size: size)
            } else if b == HTTPBytes.semicolon || HTTPBytes.isWhitespace(b) {
                state = .chunkExtension(size: size, afterSemicolon: b == HTTPBytes.semicolon)
            } else {
                throw .malformed("invalid chunk size")
            }

        case .chunkExtension(let size, let afterSemicolon):
            // RFC 9112 §7.1.1: extensions are ignored, but only BWS may precede the first ";"
            // so "5 6" is not read as size 5.
            try countChunkLineByte()
            if b == HTTPBytes.cr {
                state = .chunkSizeLineFeed(size: size)
            } else if !afterSemicolon {
                if b == HTTPBytes.semicolon {
                    state = .chunkExtension(size: size, afterSemicolon: true)
                } else if !HTTPBytes.isWhitespace(b) {
                    throw .malformed("invalid chunk extension")
                }
            } else if !HTTPBytes.isFieldValueChar(b) {
                throw .malformed("invalid chunk extension")
            }

        case .chunkSizeLineFeed(let size):
            guard b == HTTPBytes.lf else { throw .malformed("chunk size line must end with CRLF") }
            chunkLineBytes = 0
            if size == 0 {
                trailerBytes = 0
                state = .trailer(lineLength: 0, afterCR: false)
                return
            }
            if let cap = maxBodyBytes, size > cap - min(bodyReceived, cap) { throw .contentTooLarge }
            bodyReceived = size > Int64.max - bodyReceived ? Int64.max : bodyReceived + size
            state = .chunkData(remaining: size)

        case .chunkDataCR:
            guard b == HTTPBytes.cr else { throw .malformed("chunk data must end with CRLF") }
            state = .chunkDataLineFeed

        case .chunkDataLineFeed:
            guard b == HTTPBytes.lf else { throw .malformed("chunk data must end with CRLF") }
            state = .chunkSize(size: 0, digits: 0)

        case .head, .fixedBody, .chunkData, .trailer, .endPending:
            preconditionFailure("not a chunk framing state")
        }
    }

    private mutating func countChunkLineByte() throws(HTTPParseError) {
        chunkLineBytes += 1
        if chunkLineBytes > limits.maxChunkLineBytes { throw .malformed("chunk size line too long") }
    }

    /// trailer-section = *( field-line CRLF ) CRLF (RFC 9112 §7.1.2). Trailer fields are read and
    /// discarded (§7.1.2 lets a recipient ignore them); the section counts against maxHeaderBytes.
    /// Returns true when the blank line ending the message has been read.
    private mutating func readTrailerByte(_ b: UInt8, lineLength: Int, afterCR: Bool) throws(HTTPParseError) -> Bool {
        trailerBytes += 1
        if trailerBytes > limits.maxHeaderBytes { throw .headerTooLarge }
        if afterCR {
            guard b == HTTPBytes.lf else { throw .malformed("bare CR in trailer section") }
            if lineLength == 0 { return true }
            state = .trailer(lineLength: 0, afterCR: false)
        } else if b == HTTPBytes.cr {
            state = .trailer(lineLength: lineLength, afterCR: true)
        } else if b == HTTPBytes.lf {
            throw .malformed("trailer line must end with CRLF")
        } else if lineLength == 0 && HTTPBytes.isWhitespace(b) {
            throw .malformed("obsolete line folding in trailer section")
        } else if !HTTPBytes.isFieldValueChar(b) {
            throw .malformed("invalid byte in trailer section")
        } else {
            state = .trailer(lineLength: lineLength + 1, afterCR: false)
        }
        return false
    }
}
