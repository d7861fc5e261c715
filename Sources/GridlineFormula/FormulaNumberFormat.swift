import Foundation

/// Numbers as text, the way LibreOffice's General format writes them when a formula turns
/// a number into text (`&`, CONCATENATE, LEN): up to 15 significant digits, no trailing
/// zeros, fixed notation from 1E-15 up to 2^53 (all integer digits), scientific outside it (`1E+20`; the
/// LibreOffice 7.4 oracle pads the exponent to three digits, `1E+020`).
public enum FormulaNumberFormat {
    public static func general(_ x: Double) -> String {
        if x == 0 { return "0" }
        guard x.isFinite else { return x.isNaN ? "NaN" : (x < 0 ? "-Infinity" : "Infinity") }
        let magnitude = abs(x)
        // The decimal exponent of the value as 15 significant digits would show it.
        let exponent = Int(Foundation.floor(log10(FormulaApproximation.significant(magnitude))))
        if exponent <= -15 || magnitude >= 9_007_199_254_740_992 {
            return scientific(x)
        }
        let decimals = max(0, min(20, 14 - exponent))
        let fixed = String(format: "%.\(decimals)f", x)
        let trimmed = trimZeros(fixed)
        return trimmed == "-0" ? "0" : trimmed
    }

    private static func scientific(_ x: Double) -> String {
        let text = String(format: "%.14E", x)  // d.ddddddddddddddE±xx
        guard let e = text.firstIndex(of: "E") else { return text }
        let mantissa = trimZeros(String(text[..<e]))
        var exponent = String(text[text.index(after: e)...])
        let sign = exponent.removeFirst()
        while exponent.count > 2, exponent.first == "0" { exponent.removeFirst() }
        return mantissa + "E" + String(sign) + exponent
    }

    private static func trimZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.last == "0" { result = result.dropLast() }
        if result.last == "." { result = result.dropLast() }
        return String(result)
    }
}
