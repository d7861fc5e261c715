import GridlineFormula
/// The one-paragraph text of `ai_complete.result`, e.g. "12 numeric cells in A1:B20: sum 340,
/// mean 28.33, min 3 (A4), max 90 (B7), std dev 21.4; trend increasing (+2.1 per cell);
/// 1 outlier: B7 = 90."
extension StatisticsReport {
    /// How many outliers the text names; the figures list more.
    static let outliersNamedInSummary = 3

    var summary: String {
        let scope = range.map { "in \($0.text)" } ?? "in the sheet"
        let ignored = nonNumericCount > 0
            ? " (\(Self.counted(nonNumericCount, "non-numeric cell")) ignored)"
            : ""
        guard statistics.count > 0 else { return "No numeric cells \(scope)\(ignored)" }

        let format = SummaryNumber.format
        let minimumCell = numericCells[statistics.minimumPosition].address.a1
        let maximumCell = numericCells[statistics.maximumPosition].address.a1
        var text = "\(Self.counted(statistics.count, "numeric cell")) \(scope)\(ignored): "
        text += "sum \(format(statistics.total)), mean \(format(statistics.mean)), "
        text += "min \(format(statistics.minimum)) (\(minimumCell)), max \(format(statistics.maximum)) (\(maximumCell)), "
        text += "std dev \(format(statistics.populationStandardDeviation)); "
        text += trendText + "; " + outlierText + "."
        return text
    }

    private var trendText: String {
        guard let direction = trendDirection, let slope = statistics.slope else {
            return "no trend (fewer than 2 values)"
        }
        let sign = slope > 0 ? "+" : ""
        return "trend \(direction.rawValue) (\(sign)\(SummaryNumber.format(slope)) per cell)"
    }

    private var outlierText: String {
        guard outlierCount > 0 else { return "no outliers" }
        let named = outliers.prefix(Self.outliersNamedInSummary)
            .map { "\($0.address.a1) = \(SummaryNumber.format($0.value))" }
            .joined(separator: ", ")
        let rest = outlierCount - min(outliers.count, Self.outliersNamedInSummary)
        let more = rest > 0 ? " and \(rest) more" : ""
        return "\(Self.counted(outlierCount, "outlier")): \(named)\(more)"
    }

    private static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}

/// Numbers as people read them in a summary: integers whole, ordinary values to two decimals,
/// and very small or very large ones to three significant digits. Written by hand because the
/// module does not import Foundation.
enum SummaryNumber {
    static func format(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 0.01 && magnitude < 1e15 {
            return trimmed((value * 100).rounded() / 100)
        }
        return trimmed(roundedToSignificantDigits(value, 3))
    }

    private static func roundedToSignificantDigits(_ value: Double, _ digits: Int) -> Double {
        // Scale into [10^(digits-1), 10^digits), round there, scale back with one exact power
        // of ten so the result prints as its shortest decimal form.
        var exponent = 0
        var magnitude = abs(value)
        let low = power(10, digits - 1)
        let high = power(10, digits)
        while magnitude < low { magnitude *= 10; exponent -= 1 }
        while magnitude >= high { magnitude /= 10; exponent += 1 }
        let scaled = exponent < 0 ? abs(value) * power(10, -exponent) : abs(value) / power(10, exponent)
        let rounded = scaled.rounded()
        let back = exponent < 0 ? rounded / power(10, -exponent) : rounded * power(10, exponent)
        // Near the ends of Double's range the power of ten itself overflows; show the value as is.
        guard back.isFinite, back != 0 else { return value }
        return value < 0 ? -back : back
    }

    private static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<max(0, exponent) { result *= base }
        return result
    }

    /// "12" rather than "12.0"; other values as Swift's shortest round-trip text.
    private static func trimmed(_ value: Double) -> String {
        if value.rounded(.towardZero) == value, abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}
