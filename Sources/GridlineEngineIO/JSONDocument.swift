/// Whole-document helpers over `JSONScanner`: one value with only whitespace around it, the
/// elements of an array, the members of an object, and a string's decoded text.
enum JSONDocument {
    /// The one value in `bytes`, checked, with surrounding whitespace trimmed.
    static func value(_ bytes: ArraySlice<UInt8>) throws(JSONScanError) -> ArraySlice<UInt8> {
        var scanner = JSONScanner(bytes)
        let value = try scanner.scanValue()
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw .malformed }
        return value
    }

    /// The first non-whitespace byte of a checked value: `[`, `{`, `"`, a digit, `-`, `t`, `f` or `n`.
    static func kind(of value: ArraySlice<UInt8>) -> UInt8? { value.first }

    /// The elements of the array `value` (already checked by `value(_:)`), in order.
    static func arrayElements(_ value: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var scanner = JSONScanner(value)
        guard scanner.consume(UInt8(ascii: "[")) else { return [] }
        var elements: [ArraySlice<UInt8>] = []
        if scanner.consume(UInt8(ascii: "]")) { return elements }
        repeat {
            // The array was checked already, so these cannot fail.
            guard let element = try? scanner.scanValue(depth: 1) else { return elements }
            elements.append(element)
        } while scanner.consume(UInt8(ascii: ","))
        return elements
    }

    /// The members of the object `value` (already checked), as raw key content and raw value.
    static func objectMembers(_ value: ArraySlice<UInt8>) -> [(key: ArraySlice<UInt8>, keyHasEscapes: Bool, value: ArraySlice<UInt8>)] {
        var scanner = JSONScanner(value)
        guard scanner.consume(UInt8(ascii: "{")) else { return [] }
        var members: [(key: ArraySlice<UInt8>, keyHasEscapes: Bool, value: ArraySlice<UInt8>)] = []
        if scanner.consume(UInt8(ascii: "}")) { return members }
        repeat {
            scanner.skipWhitespace()
            guard let key = try? scanner.scanString(), scanner.consume(UInt8(ascii: ":")),
                  let member = try? scanner.scanValue(depth: 1) else { return members }
            members.append((key.content, key.hasEscapes, member))
        } while scanner.consume(UInt8(ascii: ","))
        return members
    }

    /// Decodes a checked string value (quotes included) to text. Nil when it is not a string, when
    /// an escape names a lone UTF-16 surrogate, or when its bytes are not UTF-8: such text has no
    /// Swift `String`, and an event name must round-trip exactly.
    static func string(_ value: ArraySlice<UInt8>) -> String? {
        guard value.count >= 2, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") else { return nil }
        return decodeContent(value[(value.startIndex + 1)..<(value.endIndex - 1)])
    }

    /// Decodes the bytes between a string's quotes.
    static func decodeContent(_ content: ArraySlice<UInt8>) -> String? {
        guard content.contains(UInt8(ascii: "\\")) else {
            return String(validating: content, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var index = content.startIndex
        while index < content.endIndex {
            let byte = content[index]
            guard byte == UInt8(ascii: "\\") else { out.append(byte); index += 1; continue }
            index += 1
            guard index < content.endIndex else { return nil }
            let escaped = content[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hexUnit(content, at: index) else { return nil }
                index += 4
                var scalarValue = UInt32(unit)
                if (0xD800...0xDBFF).contains(unit) {
                    // A high surrogate must be followed by `\u` and a low surrogate (RFC 8259 §7).
                    guard content.endIndex - index >= 6, content[index] == UInt8(ascii: "\\"),
                          content[index + 1] == UInt8(ascii: "u"),
                          let low = hexUnit(content, at: index + 2), (0xDC00...0xDFFF).contains(low) else { return nil }
                    index += 6
                    scalarValue = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                out.append(contentsOf: UTF8.encode(scalar)!)
            default: return nil
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexUnit(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt16? {
        guard bytes.endIndex - index >= 4 else { return nil }
        var unit: UInt16 = 0
        for offset in 0..<4 {
            guard let digit = JSONScanner.hexValue(bytes[index + offset]) else { return nil }
            unit = unit << 4 | digit
        }
        return unit
    }
}
