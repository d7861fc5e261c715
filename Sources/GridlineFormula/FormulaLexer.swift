/// Splits formula text (UTF-8 bytes, after the leading `=`) into tokens, one at a time.
/// References are recognised here, including ranges (`A1:B2`, `A:C`, `1:3`), so the parser
/// sees a range as one operand.
struct FormulaLexer {
    let bytes: [UInt8]
    var offset: Int

    init(bytes: [UInt8], offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func next() throws(FormulaParseError) -> FormulaToken {
        skipSpace()
        let start = offset
        guard offset < bytes.count else { return FormulaToken(kind: .end, offset: start) }
        let byte = bytes[offset]
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."):
            if let rows = lexRowRange() { return FormulaToken(kind: .range(rows), offset: start) }
            return FormulaToken(kind: .number(try lexNumber()), offset: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return FormulaToken(kind: .text(try lexString(quote: byte)), offset: start)
        case UInt8(ascii: "#"):
            return FormulaToken(kind: .error(try lexErrorLiteral()), offset: start)
        case UInt8(ascii: "("): offset += 1; return FormulaToken(kind: .openParen, offset: start)
        case UInt8(ascii: ")"): offset += 1; return FormulaToken(kind: .closeParen, offset: start)
        case UInt8(ascii: ","), UInt8(ascii: ";"): offset += 1; return FormulaToken(kind: .separator, offset: start)
        default:
            if let symbol = lexOperator() { return FormulaToken(kind: .op(symbol), offset: start) }
            if Self.isWordStart(byte) { return FormulaToken(kind: lexWordOrReference(), offset: start) }
            throw FormulaParseError(position: start, expected: "a value or an operator")
        }
    }

    mutating func skipSpace() {
        while offset < bytes.count, bytes[offset] == 0x20 || bytes[offset] == 0x09 || bytes[offset] == 0x0A || bytes[offset] == 0x0D {
            offset += 1
        }
    }

    /// The byte after any spaces, without consuming them.
    func peekPastSpace() -> UInt8? {
        var i = offset
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        return i < bytes.count ? bytes[i] : nil
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    static func isWordStart(_ b: UInt8) -> Bool { isLetter(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "$") || b >= 0x80 }
    static func isWordByte(_ b: UInt8) -> Bool { isWordStart(b) || isDigit(b) || b == UInt8(ascii: ".") }

    private mutating func lexOperator() -> FormulaOperatorSymbol? {
        let b = bytes[offset]
        let next: UInt8? = offset + 1 < bytes.count ? bytes[offset + 1] : nil
        var symbol: FormulaOperatorSymbol
        var length = 1
        switch b {
        case UInt8(ascii: "+"): symbol = .plus
        case UInt8(ascii: "-"): symbol = .minus
        case UInt8(ascii: "*"): symbol = .times
        case UInt8(ascii: "/"): symbol = .divide
        case UInt8(ascii: "^"): symbol = .caret
        case UInt8(ascii: "&"): symbol = .ampersand
        case UInt8(ascii: "%"): symbol = .percent
        case UInt8(ascii: "="): symbol = .equal
        case UInt8(ascii: "<"):
            if next == UInt8(ascii: ">") { symbol = .notEqual; length = 2 }
            else if next == UInt8(ascii: "=") { symbol = .lessOrEqual; length = 2 }
            else { symbol = .less }
        case UInt8(ascii: ">"):
            if next == UInt8(ascii: "=") { symbol = .greaterOrEqual; length = 2 } else { symbol = .greater }
        default: return nil
        }
        offset += length
        return symbol
    }

    private mutating func lexNumber() throws(FormulaParseError) -> Double {
        let start = offset
        while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        }
        if offset - start == 1, bytes[start] == UInt8(ascii: ".") {
            throw FormulaParseError(position: start, expected: "a digit")
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard offset < bytes.count, Self.isDigit(bytes[offset]) else {
                throw FormulaParseError(position: offset, expected: "an exponent")
            }
            while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        return Double(text) ?? .infinity
    }

    private mutating func lexString(quote: UInt8) throws(FormulaParseError) -> String {
        let start = offset
        offset += 1
        var content: [UInt8] = []
        while true {
            guard offset < bytes.count else {
                throw FormulaParseError(position: start, expected: quote == UInt8(ascii: "\"") ? "a closing '\"'" : "a closing \"'\"")
            }
            let b = bytes[offset]
            offset += 1
            if b == quote {
                if offset < bytes.count, bytes[offset] == quote {
                    content.append(quote)
                    offset += 1
                } else {
                    return String(decoding: content, as: UTF8.self)
                }
            } else {
                content.append(b)
            }
        }
    }

    private mutating func lexErrorLiteral() throws(FormulaParseError) -> FormulaError {
        for error in FormulaError.allCases {
            let spelled = Array(error.text.utf8)
            guard offset + spelled.count <= bytes.count else { continue }
            if zip(spelled, bytes[offset..<(offset + spelled.count)]).allSatisfy({ $0 == $1 || ($0 | 0x20) == ($1 | 0x20) && Self.isLetter($0) }) {
                offset += spelled.count
                return error
            }
        }
        throw FormulaParseError(position: offset, expected: "an error value such as #N/A")
    }

    /// `$1:$3` or `1:3` (whole rows), else nil with nothing consumed.
    mutating func lexRowRange() -> FormulaRangeLiteral? {
        var i = offset
        guard let (first, firstAbs) = scanRow(&i), i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        guard let (second, secondAbs) = scanRow(&i), i >= bytes.count || !Self.isWordByte(bytes[i]) else { return nil }
        offset = i
        return FormulaRangeLiteral(
            start: SheetCell(column: 1, row: first), end: SheetCell(column: 1, row: second),
            startAbsolute: (true, firstAbs), endAbsolute: (true, secondAbs), shape: .wholeRows)
    }

    private func scanRow(_ i: inout Int) -> (Int32, Bool)? {
        var absolute = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "$") { absolute = true; i += 1 }
        var row: Int64 = 0
        let digitsStart = i
        while i < bytes.count, Self.isDigit(bytes[i]), i - digitsStart < 8 {
            row = row * 10 + Int64(bytes[i] - 0x30)
            i += 1
        }
        guard i > digitsStart, row >= 1, row <= Int64(SheetLimits.maxRow) else { return nil }
        if i < bytes.count, Self.isDigit(bytes[i]) { return nil }
        return (Int32(row), absolute)
    }
}
