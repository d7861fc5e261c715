/// Reads a request line and header section (RFC 9112 §2-§5) line by line as bytes arrive.
///
/// A line that arrives whole inside one read is parsed straight from the caller's buffer;
/// only a line split across reads is copied, into a carry buffer that can never grow past
/// `maxHeaderBytes`. Every limit is checked against the byte stream itself, so the same
/// input gives the same result however it is split.
///
/// Bare LF is accepted as a line end in the head (RFC 9112 §2.2 allows it) so hand-typed
/// requests work; chunked framing, where leniency invites request smuggling, is strict.
struct HTTPHeadReader: Sendable {
    private struct RequestLine: Sendable {
        var method: String
        var target: String
        var path: String
        var query: String?
        var versionMinor: Int
    }

    let limits: HTTPLimits
    /// Bytes of the current head read so far, including line ends and leading empty lines.
    private(set) var headBytes = 0
    /// The start of a line that did not end in the read it began in.
    private var carry: [UInt8] = []
    /// Positions of the first two spaces of the request line, tracked while it streams in
    /// so a huge target is refused with 414 before the line ends.
    private var firstSpace: Int?
    private var secondSpace: Int?
    private var requestLine: RequestLine?
    private var headers = HTTPHeaders()

    init(limits: HTTPLimits) { self.limits = limits }

    /// Reads from `bytes[start...]` up to the end of the head. Returns the index after the
    /// last byte consumed and the head once its blank line has been read.
    mutating func read(
        _ bytes: UnsafeRawBufferPointer, from start: Int
    ) throws(HTTPParseError) -> (end: Int, head: HTTPRequestHead?) {
        var i = start
        let n = bytes.count
        while i < n {
            let budget = limits.maxHeaderBytes - headBytes
            let scanEnd = budget < n - i ? i + max(budget, 0) : n
            var lineFeed = -1
            var j = i
            while j < scanEnd {
                let b = bytes[j]
                if b == HTTPBytes.lf { lineFeed = j; break }
                if requestLine == nil && b == HTTPBytes.space { noteSpace(at: carry.count + j - i) }
                j += 1
            }
            guard lineFeed >= 0 else {
                if requestLine == nil { try checkTargetLength(lineLength: carry.count + scanEnd - i) }
                // RFC 9110 §15.5.32: refuse as soon as the budget is spent, without buffering further.
                if scanEnd < n { throw .headerTooLarge }
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<n]))
                headBytes += n - i
                return (n, nil)
            }
            headBytes += lineFeed + 1 - i
            let head: HTTPRequestHead?
            if carry.isEmpty {
                head = try readLine(UnsafeRawBufferPointer(rebasing: bytes[i..<lineFeed]))
            } else {
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<lineFeed]))
                let line = carry
                carry.removeAll(keepingCapacity: true)
                head = try line.withUnsafeBytes { raw in Result { () throws(HTTPParseError) in try readLine(raw) } }.get()
            }
            i = lineFeed + 1
            if let head {
                reset()
                return (i, head)
            }
        }
        return (n, nil)
    }

    /// Whether no byte of a request line has arrived yet (leading empty lines do not count).
    var isIdle: Bool { requestLine == nil && carry.isEmpty }

    private mutating func reset() {
        headBytes = 0
        // A huge carry from one odd request should not stay pinned to an idle connection.
        if carry.capacity > 1024 { carry = [] }
        firstSpace = nil
        secondSpace = nil
        requestLine = nil
        headers = HTTPHeaders()
    }

    private mutating func noteSpace(at position: Int) {
        if firstSpace == nil {
            firstSpace = position
        } else if secondSpace == nil {
            secondSpace = position
        }
    }

    /// RFC 9112 §3: 414 when the target (so far) is longer than allowed. The same rule runs on a
    /// partial line and on a complete one, so the answer never depends on where reads split.
    private func checkTargetLength(lineLength: Int) throws(HTTPParseError) {
        guard let first = firstSpace else { return }
        if (secondSpace ?? lineLength) - first - 1 > limits.maxURIBytes { throw .uriTooLong }
    }

    /// One line without its LF. Returns the head when this was the blank line ending it.
    private mutating func readLine(_ raw: UnsafeRawBufferPointer) throws(HTTPParseError) -> HTTPRequestHead? {
        // First, because a split read may already have refused this target before its line ended.
        if requestLine == nil { try checkTargetLength(lineLength: raw.count) }
        var length = raw.count
        if length > 0 && raw[length - 1] == HTTPBytes.cr { length -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: raw[0..<length])
        // RFC 9112 §2.2: a CR not followed by LF makes the element invalid.
        if line.contains(HTTPBytes.cr) { throw .malformed("bare CR in header section") }

        guard requestLine != nil else {
            // RFC 9112 §2.2: ignore empty lines before the request line.
            if length == 0 { return nil }
            firstSpace = nil
            secondSpace = nil
            requestLine = try Self.parseRequestLine(line)
            return nil
        }
        if length == 0 { return try finishHead() }
        try parseField(line)
        return nil
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
    private static func parseRequestLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> RequestLine {
        guard let sp1 = line.firstIndex(of: HTTPBytes.space),
              let sp2 = line[(sp1 + 1)...].firstIndex(of: HTTPBytes.space)
        else { throw .malformed("request line needs method, target and version") }
        let method = UnsafeRawBufferPointer(rebasing: line[0..<sp1])
        let target = UnsafeRawBufferPointer(rebasing: line[(sp1 + 1)..<sp2])
        let version = UnsafeRawBufferPointer(rebasing: line[(sp2 + 1)...])

        guard !method.isEmpty, method.allSatisfy(HTTPBytes.isTokenChar) else {
            throw .malformed("invalid method")
        }
        guard !target.isEmpty, target.allSatisfy(HTTPBytes.isVisible) else {
            throw .malformed("invalid request target")
        }
        let versionMinor = try parseVersion(version)
        let methodString = String(decoding: method, as: UTF8.self)
        let (path, query) = try splitTarget(target, method: methodString)
        return RequestLine(
            method: methodString, target: String(decoding: target, as: UTF8.self),
            path: path, query: query, versionMinor: versionMinor)
    }

    /// HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
    private static func parseVersion(_ v: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int {
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard v.count == 8, v.starts(with: "HTTP/".utf8), digits.contains(v[5]), v[6] == UInt8(ascii: "."),
              digits.contains(v[7])
        else { throw .malformed("invalid HTTP version") }
        guard v[5] == UInt8(ascii: "1") else { throw .versionNotSupported }
        // RFC 9110 §2.5: a later 1.x minor version is handled as the highest we implement.
        return v[7] == UInt8(ascii: "0") ? 0 : 1
    }

    /// Request-target forms, RFC 9112 §3.2. Origin-form is the norm; absolute-form is
    /// accepted (its authority ignored, as §3.2.2 lets Host come from it but the router
    /// only needs the path); asterisk-form only for OPTIONS; authority-form (CONNECT) is refused.
    private static func splitTarget(
        _ target: UnsafeRawBufferPointer, method: String
    ) throws(HTTPParseError) -> (path: String, query: String?) {
        if target.count == 1 && target[0] == UInt8(ascii: "*") {
            guard method == "OPTIONS" else { throw .malformed("asterisk-form target is only for OPTIONS") }
            return ("*", nil)
        }
        var pathStart = 0
        if target[0] != HTTPBytes.slash {
            let prefix: String
            if startsIgnoringCase(target, "http://") {
                prefix = "http://"
            } else if startsIgnoringCase(target, "https://") {
                prefix = "https://"
            } else {
                throw .malformed("unsupported request target form")
            }
            let authorityStart = prefix.utf8.count
            var end = authorityStart
            while end < target.count && target[end] != HTTPBytes.slash && target[end] != HTTPBytes.question {
                end += 1
            }
            guard end > authorityStart else { throw .malformed("absolute-form target without authority") }
            pathStart = end
        }
        let rest = UnsafeRawBufferPointer(rebasing: target[pathStart...])
        let questionMark = rest.firstIndex(of: HTTPBytes.question)
        let rawPath = UnsafeRawBufferPointer(rebasing: rest[..<(questionMark ?? rest.count)])
        let path = rawPath.isEmpty ? "/" : String(decoding: rawPath, as: UTF8.self)
        let query = questionMark.map { String(decoding: UnsafeRawBufferPointer(rebasing: rest[($0 + 1)...]), as: UTF8.self) }
        return (path, query)
    }

    private static func startsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ prefix: String) -> Bool {
        let p = prefix.utf8
        return bytes.count >= p.count && HTTPBytes.equalsIgnoringCase(bytes.prefix(p.count), p)
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
    private mutating func parseField(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) {
        // RFC 9112 §5.2: a server may reject obs-fold with 400; whitespace before the first
        // field (§2.2) is refused the same way.
        if HTTPBytes.isWhitespace(line[0]) { throw .malformed("obsolete line folding") }
        guard let colon = line.firstIndex(of: HTTPBytes.colon) else { throw .malformed("header line without colon") }
        guard colon > 0 else { throw .malformed("empty field name") }
        // RFC 9112 §5.1: whitespace between name and colon MUST be rejected with 400.
        if HTTPBytes.isWhitespace(line[colon - 1]) { throw .malformed("whitespace before colon") }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        guard name.allSatisfy(HTTPBytes.isTokenChar) else { throw .malformed("invalid field name") }

        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd && HTTPBytes.isWhitespace(line[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart && HTTPBytes.isWhitespace(line[valueEnd - 1]) { valueEnd -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd])
        guard value.allSatisfy(HTTPBytes.isFieldValueChar) else { throw .malformed("invalid field value") }

        guard headers.count < limits.maxHeaderCount else { throw .headerTooLarge }
        // obs-text bytes that are not UTF-8 become U+FFFD: no field we act on uses them.
        headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    private func finishHead() throws(HTTPParseError) -> HTTPRequestHead {
        guard let requestLine else { throw .malformed("missing request line") }
        try Self.checkHost(headers, versionMinor: requestLine.versionMinor)
        let framing = try HTTPBodyFraming(headers: headers, versionMinor: requestLine.versionMinor)
        let keepAlive = requestLine.versionMinor >= 1
            ? !headers.containsToken("Connection", "close")
            : headers.containsToken("Connection", "keep-alive") && !headers.containsToken("Connection", "close")
        return HTTPRequestHead(
            method: requestLine.method, target: requestLine.target, path: requestLine.path,
            query: requestLine.query, versionMinor: requestLine.versionMinor, headers: headers,
            keepAlive: keepAlive, contentLength: framing.contentLength, isChunked: framing.isChunked)
    }

    /// RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, for more than one Host,
    /// or for a Host value that is not a uri-host[:port] (RFC 3986 §3.2.2 characters).
    private static func checkHost(_ headers: HTTPHeaders, versionMinor: Int) throws(HTTPParseError) {
        let hosts = headers.values("Host")
        if hosts.count > 1 { throw .malformed("more than one Host") }
        guard let host = hosts.first else {
            if versionMinor >= 1 { throw .malformed("missing Host") }
            return
        }
        for b in host.utf8 {
            let ok = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || "-._~!$&'()*+,;=:[]%".utf8.contains(b)
            if !ok { throw .malformed("invalid Host") }
        }
    }
}
