import Foundation

/// How values convert where an operator or function needs a number, text or truth value,
/// as in LibreOffice Calc: empty is 0 or "", booleans are 1 and 0 (also as text: LibreOffice
/// has no separate boolean type), text converts to a number only when it is unambiguously
/// one ("5", " 1e3 ", "1,000", and "TRUE"/"FALSE" as 1/0), errors propagate.
enum FormulaCoercion {
    @inline(__always) static func number(_ value: FormulaValue) throws(FormulaError) -> Double {
        switch value {
        case .number(let n): return n
        case .boolean(let b): return b ? 1 : 0
        case .empty: return 0
        case .error(let e): throw e
        case .text(let s):
            guard let n = parseNumber(s) else { throw .value }
            return n
        }
    }

    static func text(_ value: FormulaValue) throws(FormulaError) -> String {
        switch value {
        case .text(let s): return s
        case .number(let n): return FormulaNumberFormat.general(n)
        case .boolean(let b): return b ? "1" : "0"
        case .empty: return ""
        case .error(let e): throw e
        }
    }

    /// IF's and NOT's reading: numbers are true unless 0, text "TRUE"/"FALSE" (any case) or a
    /// number in text, other text is `#VALUE!`.
    static func boolean(_ value: FormulaValue) throws(FormulaError) -> Bool {
        switch value {
        case .boolean(let b): return b
        case .number(let n): return n != 0
        case .empty: return false
        case .error(let e): throw e
        case .text(let s):
            guard let n = parseNumber(s) else { throw .value }
            return n != 0
        }
    }

    /// A number written as text: optional spaces and sign, digits with at most one point, an
    /// optional exponent. Nothing else (no "inf", no thousands separators, no "").
    static func parseNumber(_ text: String) -> Double? {
        if text.count == 4 || text.count == 5 {
            switch text.uppercased() {
            case "TRUE": return 1
            case "FALSE": return 0
            default: break
            }
        }
        if text.contains(",") { return parseGroupedNumber(text) }
        var bytes = Substring(text).utf8[...]
        while bytes.first == 0x20 { bytes = bytes.dropFirst() }
        while bytes.last == 0x20 { bytes = bytes.dropLast() }
        guard !bytes.isEmpty else { return nil }
        var i = bytes.startIndex
        if bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i = bytes.index(after: i) }
        var digits = 0, points = 0
        while i < bytes.endIndex {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 { digits += 1 } else if b == UInt8(ascii: ".") { points += 1 } else { break }
            i = bytes.index(after: i)
        }
        guard digits > 0, points <= 1 else { return nil }
        if i < bytes.endIndex {
            guard bytes[i] | 0x20 == UInt8(ascii: "e") else { return nil }
            i = bytes.index(after: i)
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i = bytes.index(after: i) }
            var exponentDigits = 0
            while i < bytes.endIndex, bytes[i] >= 0x30 && bytes[i] <= 0x39 {
                exponentDigits += 1
                i = bytes.index(after: i)
            }
            guard exponentDigits > 0, i == bytes.endIndex else { return nil }
        }
        guard let n = Double(String(Substring(bytes))), n.isFinite else { return nil }
        return n
    }

    /// "1,000" or "-12,345.5": commas between groups of three digits, as LibreOffice's
    /// en-US input accepts.
    private static func parseGroupedNumber(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let unsigned = trimmed.hasPrefix("-") || trimmed.hasPrefix("+") ? trimmed.dropFirst() : Substring(trimmed)
        let integerPart = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let groups = integerPart.split(separator: ",", omittingEmptySubsequences: false)
        guard groups.count > 1, (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }),
            groups.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        return parseNumber(trimmed.replacingOccurrences(of: ",", with: ""))
    }

    /// LibreOffice's ordering: empty meets a number as 0 and text as ""; numbers (booleans
    /// included) sort before text; numbers equal within 2⁻⁴⁸ relative; text compares
    /// case-insensitively (SPEC §14's deliberate difference from LibreOffice's default).
    static func compare(_ a: FormulaValue, _ b: FormulaValue) throws(FormulaError) -> Int {
        if case .error(let e) = a { throw e }
        if case .error(let e) = b { throw e }
        switch (a, b) {
        case (.empty, .empty): return 0
        case (.text(let x), .text(let y)): return compareText(x, y)
        case (.text(let x), .empty): return x.isEmpty ? 0 : 1
        case (.empty, .text(let y)): return y.isEmpty ? 0 : -1
        case (.text, _): return 1
        case (_, .text): return -1
        default:
            let x = (try? number(a)) ?? 0, y = (try? number(b)) ?? 0
            if FormulaApproximation.equal(x, y) { return 0 }
            return x < y ? -1 : 1
        }
    }

    static func compareText(_ x: String, _ y: String) -> Int {
        if x == y { return 0 }
        let a = x.lowercased(), b = y.lowercased()
        if a == b { return 0 }
        return a < b ? -1 : 1
    }
}
