/// Finds members of a JSON object in place, without building a `JSONValue`.
///
/// The bench reads hundreds of thousands of server messages a second and needs three or four
/// fields of each; a full parse would make the load generator the bottleneck. The scanner
/// walks the bytes once, skipping strings (escapes included), nested objects and arrays, and
/// hands back byte ranges. Input is assumed to be what a server sent; malformed input makes
/// the functions return nil or false, never trap.
public enum JSONFieldScanner {
    public typealias Bytes = UnsafeBufferPointer<UInt8>

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// The `type` string of a server message. Fast path for the common `{"type":"…"` prefix
    /// (every Gridline message starts so); any other layout is found by a member scan.
    public static func messageType(_ bytes: Bytes) -> Range<Int>? {
        let prefix: StaticString = "{\"type\":\""
        let count = prefix.utf8CodeUnitCount
        if bytes.count > count, memcmpStatic(bytes, at: 0, prefix) {
            var index = count
            while index < bytes.count {
                let byte = bytes[index]
                if byte == quote { return count..<index }
                if byte == backslash { break }
                index += 1
            }
        }
        guard let value = member("type", in: bytes, object: 0..<bytes.count), bytes[value.lowerBound] == quote else {
            return nil
        }
        return (value.lowerBound + 1)..<(value.upperBound - 1)
    }

    /// The value range of member `key` of the object spanning `object`, or nil.
    public static func member(_ key: StaticString, in bytes: Bytes, object: Range<Int>) -> Range<Int>? {
        var found: Range<Int>?
        _ = forEachMember(in: bytes, object: object) { name, value in
            if equals(bytes, name, key) {
                found = value
                return false
            }
            return true
        }
        return found
    }

    /// Where the value of the last `"key":` in `bytes` starts, found by searching backwards
    /// for the byte pattern instead of walking the members: the fast path for a member the
    /// sender put near the end (cursor `meta`). Inside a JSON string every quote is escaped,
    /// so the pattern can only match a real key; it may be a nested object's key, which the
    /// caller must rule out by knowing the message's shape.
    public static func lastKeyValueStart(_ key: StaticString, in bytes: Bytes) -> Int? {
        let keyCount = key.utf8CodeUnitCount
        let keyStart = key.utf8Start
        // Pattern: quote, key, quote, colon (no spaces: how servers, ours included, write JSON).
        let patternCount = keyCount + 3
        var start = bytes.count - patternCount
        while start >= 0 {
            if bytes[start] == quote, bytes[start + keyCount + 1] == quote, bytes[start + keyCount + 2] == UInt8(ascii: ":") {
                var same = true
                for index in 0..<keyCount where bytes[start + 1 + index] != keyStart[index] {
                    same = false
                    break
                }
                if same { return start + patternCount }
            }
            start -= 1
        }
        return nil
    }

    /// Calls `body(keyRange, valueRange)` for each member, key without its quotes, until the
    /// body returns false. Returns false when `object` is not a well-formed object.
    @discardableResult
    public static func forEachMember(
        in bytes: Bytes, object: Range<Int>, _ body: (Range<Int>, Range<Int>) -> Bool
    ) -> Bool {
        var index = skipSpace(bytes, object.lowerBound, object.upperBound)
        let end = object.upperBound
        guard index < end, bytes[index] == UInt8(ascii: "{") else { return false }
        index = skipSpace(bytes, index + 1, end)
        if index < end, bytes[index] == UInt8(ascii: "}") { return true }
        while index < end {
            guard bytes[index] == quote, let keyEnd = skipString(bytes, index, end) else { return false }
            let key = (index + 1)..<(keyEnd - 1)
            index = skipSpace(bytes, keyEnd, end)
            guard index < end, bytes[index] == UInt8(ascii: ":") else { return false }
            let valueStart = skipSpace(bytes, index + 1, end)
            guard let valueEnd = skipValue(bytes, valueStart, end) else { return false }
            if !body(key, valueStart..<valueEnd) { return true }
            index = skipSpace(bytes, valueEnd, end)
            guard index < end else { return false }
            if bytes[index] == UInt8(ascii: "}") { return true }
            guard bytes[index] == UInt8(ascii: ",") else { return false }
            index = skipSpace(bytes, index + 1, end)
        }
        return false
    }

    /// Calls `body(valueRange)` for each element of the array spanning `array`, until the body
    /// returns false. Returns false when `array` is not a well-formed array.
    @discardableResult
    public static func forEachElement(in bytes: Bytes, array: Range<Int>, _ body: (Range<Int>) -> Bool) -> Bool {
        var index = skipSpace(bytes, array.lowerBound, array.upperBound)
        let end = array.upperBound
        guard index < end, bytes[index] == UInt8(ascii: "[") else { return false }
        index = skipSpace(bytes, index + 1, end)
        if index < end, bytes[index] == UInt8(ascii: "]") { return true }
        while index < end {
            guard let valueEnd = skipValue(bytes, index, end) else { return false }
            if !body(index..<valueEnd) { return true }
            index = skipSpace(bytes, valueEnd, end)
            guard index < end else { return false }
            if bytes[index] == UInt8(ascii: "]") { return true }
            guard bytes[index] == UInt8(ascii: ",") else { return false }
            index = skipSpace(bytes, index + 1, end)
        }
        return false
    }

    /// A non-negative integer value. Integral numbers written with a fraction or exponent
    /// (how a server holding numbers as doubles prints values past 2^53) are accepted too.
    public static func unsignedInteger(_ bytes: Bytes, _ value: Range<Int>) -> UInt64? {
        guard !value.isEmpty else { return nil }
        var result: UInt64 = 0
        var index = value.lowerBound
        while index < value.upperBound {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            let (times, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (plus, overflow2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            result = plus
            index += 1
        }
        if index == value.upperBound { return index > value.lowerBound ? result : nil }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[value]), as: UTF8.self)
        guard let double = Double(text), double >= 0, double < 1.8e19, double.rounded(.down) == double else { return nil }
        return UInt64(double)
    }

    /// A string value with escapes resolved; nil when the value is not a string.
    public static func string(_ bytes: Bytes, _ value: Range<Int>) -> String? {
        guard value.count >= 2, bytes[value.lowerBound] == quote else { return nil }
        let inner = (value.lowerBound + 1)..<(value.upperBound - 1)
        if !bytes[inner].contains(backslash) {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[inner]), as: UTF8.self)
        }
        return decodeEscaped(bytes, inner)
    }

    /// True when the bytes in `range` are exactly `literal` (keys and type names are ASCII).
    public static func equals(_ bytes: Bytes, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        range.count == literal.utf8CodeUnitCount && memcmpStatic(bytes, at: range.lowerBound, literal)
    }

    // MARK: - Skipping

    private static func memcmpStatic(_ bytes: Bytes, at offset: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        let start = literal.utf8Start
        for index in 0..<count where bytes[offset + index] != start[index] { return false }
        return true
    }

    private static func skipSpace(_ bytes: Bytes, _ start: Int, _ end: Int) -> Int {
        var index = start
        while index < end {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index
            }
        }
        return index
    }

    /// `start` is at an opening quote; returns the index just past the closing one.
    static func skipString(_ bytes: Bytes, _ start: Int, _ end: Int) -> Int? {
        var index = start + 1
        while index < end {
            let byte = bytes[index]
            if byte == quote { return index + 1 }
            index += byte == backslash ? 2 : 1
        }
        return nil
    }

    /// Skips one value of any kind; nested containers are matched by depth, strings skipped whole.
    static func skipValue(_ bytes: Bytes, _ start: Int, _ end: Int) -> Int? {
        guard start < end else { return nil }
        switch bytes[start] {
        case quote:
            return skipString(bytes, start, end)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < end {
                switch bytes[index] {
                case quote:
                    guard let next = skipString(bytes, index, end) else { return nil }
                    index = next
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            return nil
        default:
            // Numbers, true, false, null: up to the next delimiter.
            var index = start
            while index < end {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D:
                    return index > start ? index : nil
                default:
                    index += 1
                }
            }
            return index > start ? index : nil
        }
    }

    /// RFC 8259 §7 escapes, surrogate pairs included; nil on a malformed escape.
    private static func decodeEscaped(_ bytes: Bytes, _ inner: Range<Int>) -> String? {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var index = inner.lowerBound
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll(keepingCapacity: true)
        }
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= inner.upperBound else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                guard let digit = Character(UnicodeScalar(bytes[at + offset])).hexDigitValue else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < inner.upperBound {
            let byte = bytes[index]
            guard byte == backslash else {
                utf8.append(byte)
                index += 1
                continue
            }
            guard index + 1 < inner.upperBound else { return nil }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""), backslash, UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                guard var code = hex4(index) else { return nil }
                index += 4
                if (0xD800..<0xDC00).contains(code), index + 6 <= inner.upperBound,
                   bytes[index] == backslash, bytes[index + 1] == UInt8(ascii: "u"),
                   let low = hex4(index + 2), (0xDC00..<0xE000).contains(low) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                flush()
                scalars.append(UnicodeScalar(code) ?? "\u{FFFD}")
            default:
                return nil
            }
        }
        flush()
        return String(scalars)
    }
}
