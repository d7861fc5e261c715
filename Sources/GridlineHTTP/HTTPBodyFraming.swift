/// How a request's body is delimited, decided once from its header fields (RFC 9112 §6.3).
/// Every ambiguity is refused outright: a server that guesses differently from a proxy in
/// front of it is how requests get smuggled.
struct HTTPBodyFraming: Sendable, Equatable {
    var contentLength: Int64?
    var isChunked: Bool

    init(headers: HTTPHeaders, versionMinor: Int) throws(HTTPParseError) {
        let hasLength = headers.contains("Content-Length")
        guard headers.contains("Transfer-Encoding") else {
            contentLength = hasLength ? try Self.parseContentLength(headers.values("Content-Length")) : nil
            isChunked = false
            return
        }
        // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
        if versionMinor == 0 { throw .malformed("Transfer-Encoding in an HTTP/1.0 request") }
        // RFC 9112 §6.1: a server MAY reject a request that carries both.
        if hasLength { throw .malformed("both Content-Length and Transfer-Encoding") }
        let codings = headers.listElements("Transfer-Encoding")
        guard let last = codings.last else { throw .malformed("empty Transfer-Encoding") }
        // RFC 9112 §6.3: if chunked is not the final coding the length cannot be known: 400.
        guard HTTPBytes.equalsIgnoringCase(last, "chunked".utf8) else {
            throw .malformed("chunked is not the final transfer coding")
        }
        for coding in codings.dropLast() {
            // RFC 9112 §7: chunked MUST NOT be applied more than once.
            if HTTPBytes.equalsIgnoringCase(coding, "chunked".utf8) { throw .malformed("chunked applied twice") }
            // RFC 9112 §6.1: a coding we do not understand gets 501.
            throw .notImplemented("transfer coding \(String(Substring(coding))) not implemented")
        }
        contentLength = nil
        isChunked = true
    }

    /// Content-Length = 1*DIGIT (RFC 9110 §8.6). Repeated fields or a list of the same value
    /// are accepted as that value; differing values, signs, spaces or overflow are 400.
    private static func parseContentLength(_ values: [String]) throws(HTTPParseError) -> Int64 {
        var result: Int64?
        for value in values {
            for element in value.utf8.split(separator: HTTPBytes.comma, omittingEmptySubsequences: false) {
                let digits = HTTPHeaders.trimmed(element)
                guard !digits.isEmpty else { throw .malformed("invalid Content-Length") }
                var n: Int64 = 0
                for b in digits {
                    guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else {
                        throw .malformed("invalid Content-Length")
                    }
                    let (times10, o1) = n.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(Int64(b - UInt8(ascii: "0")))
                    if o1 || o2 { throw .malformed("Content-Length too large") }
                    n = sum
                }
                if let result, result != n { throw .malformed("differing Content-Length values") }
                result = n
            }
        }
        guard let result else { throw .malformed("invalid Content-Length") }
        return result
    }
}
