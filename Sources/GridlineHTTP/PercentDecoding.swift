/// Percent-decoding (RFC 3986 §2.1) for path segments and query components.
enum PercentDecoding {
    /// Strict decoding for path segments: a malformed escape or bytes that are not UTF-8
    /// give nil, because a path that means two things must not be routed.
    static func decodeSegment(_ raw: Substring.UTF8View) -> String? {
        guard raw.contains(UInt8(ascii: "%")) else { return String(Substring(raw)) }
        guard let bytes = decode(raw, plusAsSpace: false, strict: true) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Lenient decoding for form-urlencoded query components (WHATWG URL §5.1):
    /// `+` is a space, malformed escapes stay as written, invalid UTF-8 becomes U+FFFD.
    static func decodeQueryComponent(_ raw: Substring.UTF8View) -> String {
        guard raw.contains(UInt8(ascii: "%")) || raw.contains(UInt8(ascii: "+")) else { return String(Substring(raw)) }
        let bytes = decode(raw, plusAsSpace: true, strict: false) ?? Array(raw)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func decode(_ raw: Substring.UTF8View, plusAsSpace: Bool, strict: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let b = raw[i]
            if b == UInt8(ascii: "%") {
                let h = raw.index(after: i)
                if h < raw.endIndex, raw.index(after: h) < raw.endIndex,
                   let hi = HTTPBytes.hexValue(raw[h]), let lo = HTTPBytes.hexValue(raw[raw.index(after: h)]) {
                    out.append(hi << 4 | lo)
                    i = raw.index(h, offsetBy: 2)
                    continue
                }
                if strict { return nil }
                out.append(b)
            } else if plusAsSpace && b == UInt8(ascii: "+") {
                out.append(HTTPBytes.space)
            } else {
                out.append(b)
            }
            i = raw.index(after: i)
        }
        return out
    }
}
