/// Base64 (RFC 4648 §4) and base64url without padding (RFC 4648 §5, as JWS uses it, RFC 7515 §2).
public enum Base64 {
    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: encode(bytes, alphabet: standardAlphabet, pad: true), as: UTF8.self)
    }

    public static func encodeURL<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: encode(bytes, alphabet: urlAlphabet, pad: false), as: UTF8.self)
    }

    /// Strict decoding: padding required to a multiple of 4, no whitespace, unused bits zero.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var padding = 0
        if chars.last == UInt8(ascii: "=") { padding += 1 }
        if chars.count >= 2, chars[chars.count - 2] == UInt8(ascii: "=") { padding += 1 }
        return decode(chars[0..<(chars.count - padding)], url: false)
    }

    /// Strict base64url: no padding, no other characters, unused bits zero.
    public static func decodeURL<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let chars = Array(text.utf8)
        return decode(chars[...], url: true)
    }

    /// Strict base64url over bytes already in hand (the JWT verifier's segments), sparing a
    /// round trip through `String`.
    static func decodeURL(bytes chars: ArraySlice<UInt8>) -> [UInt8]? {
        decode(chars, url: true)
    }

    private static func encode<C: Collection>(_ bytes: C, alphabet: [UInt8], pad: Bool) -> [UInt8]
    where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if b1 != nil { out.append(alphabet[Int(n >> 6 & 63)]) } else if pad { out.append(UInt8(ascii: "=")) }
            if b2 != nil { out.append(alphabet[Int(n & 63)]) } else if pad { out.append(UInt8(ascii: "=")) }
        }
        return out
    }

    private static func value(of c: UInt8, url: Bool) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(c - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+") where !url, UInt8(ascii: "-") where url: return 62
        case UInt8(ascii: "/") where !url, UInt8(ascii: "_") where url: return 63
        default: return nil
        }
    }

    private static func decode(_ chars: ArraySlice<UInt8>, url: Bool) -> [UInt8]? {
        if chars.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in chars {
            guard let v = value(of: c, url: url) else { return nil }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        if acc != 0 { return nil }  // non-canonical trailing bits
        return out
    }
}
