/// Why the scanner stopped.
enum JSONScanError: Error, Equatable {
    case malformed
    case tooDeep
}

/// Finds where JSON values (RFC 8259) begin and end, checking the grammar on the way — strings
/// with their escapes, numbers, literals, nested arrays and objects — without building them.
/// The server parses the values it needs with its own JSON parser; this only has to say where
/// they are and refuse what is not JSON. Bytes inside strings are not checked as UTF-8.
struct JSONScanner {
    /// Deeper nesting is refused rather than recursed into.
    static let maxDepth = 256

    let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var isAtEnd: Bool { index == bytes.endIndex }

    var current: UInt8? { index < bytes.endIndex ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard current == byte else { return false }
        index += 1
        return true
    }

    /// Skips one value (after whitespace) and returns its bytes, without surrounding whitespace.
    mutating func scanValue(depth: Int = 0) throws(JSONScanError) -> ArraySlice<UInt8> {
        skipWhitespace()
        let start = index
        guard let byte = current else { throw .malformed }
        switch byte {
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw .tooDeep }
            index += 1
            if !consume(UInt8(ascii: "]")) {
                repeat { _ = try scanValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "]")) else { throw .malformed }
            }
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw .tooDeep }
            index += 1
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    skipWhitespace()
                    guard current == UInt8(ascii: "\"") else { throw .malformed }
                    _ = try scanString()
                    guard consume(UInt8(ascii: ":")) else { throw .malformed }
                    _ = try scanValue(depth: depth + 1)
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { throw .malformed }
            }
        case UInt8(ascii: "t"): try scanLiteral("true")
        case UInt8(ascii: "f"): try scanLiteral("false")
        case UInt8(ascii: "n"): try scanLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
        default: throw .malformed
        }
        return bytes[start..<index]
    }

    /// Scans a string starting at its opening quote; returns the bytes between the quotes and
    /// whether any escape occurs in them.
    mutating func scanString() throws(JSONScanError) -> (content: ArraySlice<UInt8>, hasEscapes: Bool) {
        index += 1
        let start = index
        var hasEscapes = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let content = bytes[start..<index]
                index += 1
                return (content, hasEscapes)
            case UInt8(ascii: "\\"):
                hasEscapes = true
                index += 1
                guard let escaped = current else { throw .malformed }
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 1
                case UInt8(ascii: "u"):
                    guard bytes.endIndex - index > 4 else { throw .malformed }
                    for offset in 1...4 where Self.hexValue(bytes[index + offset]) == nil { throw .malformed }
                    index += 5
                default: throw .malformed
                }
            case 0..<0x20: throw .malformed
            default: index += 1
            }
        }
        throw .malformed
    }

    private mutating func scanLiteral(_ word: StaticString) throws(JSONScanError) {
        let count = word.utf8CodeUnitCount
        guard bytes.endIndex - index >= count else { throw .malformed }
        let matches = word.withUTF8Buffer { bytes[index..<(index + count)].elementsEqual($0) }
        guard matches else { throw .malformed }
        index += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` (RFC 8259 §6).
    private mutating func scanNumber() throws(JSONScanError) {
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw .malformed }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, Self.isDigit(digit) else { throw .malformed }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, Self.isDigit(digit) else { throw .malformed }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while let byte = current, Self.isDigit(byte) { index += 1 }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func hexValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt16(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
