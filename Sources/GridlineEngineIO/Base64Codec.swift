/// Standard padded base64 (RFC 4648 §4) for binary packets in polling payloads. Kept here rather
/// than borrowed from GridlineCrypto so this module depends on nothing.
enum Base64Codec {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0–63 for alphabet bytes, 0xFF for every other byte.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + (bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            if let b1 {
                out.append(alphabet[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)])
            } else {
                out.append(UInt8(ascii: "="))
            }
            if let b2 {
                out.append(alphabet[Int(b2 & 0x3F)])
            } else {
                out.append(UInt8(ascii: "="))
            }
        }
    }

    /// Decodes padded base64; nil for a wrong length, a byte outside the alphabet, padding
    /// anywhere but the end, or non-zero bits under the padding.
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var index = text.startIndex
        while index < text.endIndex {
            let isLast = text.endIndex - index == 4
            let c0 = values[Int(text[index])], c1 = values[Int(text[index + 1])]
            let raw2 = text[index + 2], raw3 = text[index + 3]
            guard c0 != 0xFF, c1 != 0xFF else { return nil }
            let pad = UInt8(ascii: "=")
            if isLast, raw3 == pad {
                if raw2 == pad {
                    guard c1 & 0x0F == 0 else { return nil }
                    out.append(c0 << 2 | c1 >> 4)
                } else {
                    let c2 = values[Int(raw2)]
                    guard c2 != 0xFF, c2 & 0x03 == 0 else { return nil }
                    out.append(c0 << 2 | c1 >> 4)
                    out.append(c1 << 4 | c2 >> 2)
                }
                break
            }
            let c2 = values[Int(raw2)], c3 = values[Int(raw3)]
            guard c2 != 0xFF, c3 != 0xFF else { return nil }
            out.append(c0 << 2 | c1 >> 4)
            out.append(c1 << 4 | c2 >> 2)
            out.append(c2 << 6 | c3)
            index += 4
        }
        return out
    }
}
