/// Tukey's outlier fences: a value is an outlier when it lies more than 1.5 × IQR below the
/// first quartile or above the third.
///
/// Chosen over |z| > 3 because a z-score cannot flag anything in small ranges (with n values
/// no |z| exceeds (n − 1)/√n, under 3 up to n = 10) and because one huge value inflates the
/// standard deviation it is measured against, hiding itself. Quartiles use linear
/// interpolation between order statistics (Hyndman–Fan type 7, as in spreadsheets'
/// QUARTILE.INC and NumPy's default).
struct TukeyFences: Sendable, Equatable {
    static let multiplier = 1.5
    /// Below four values the quartiles are not meaningful, so nothing is called an outlier.
    static let minimumCount = 4

    let firstQuartile: Double
    let thirdQuartile: Double

    init?(sortedValues: [Double]) {
        guard sortedValues.count >= Self.minimumCount else { return nil }
        firstQuartile = Self.quantile(0.25, ofSorted: sortedValues)
        thirdQuartile = Self.quantile(0.75, ofSorted: sortedValues)
        // Values near ±Double.greatestFiniteMagnitude can push a quartile or the IQR to
        // infinity; fences built from that would flag everything, so flag nothing instead.
        guard lower.isFinite, upper.isFinite else { return nil }
    }

    var lower: Double { firstQuartile - Self.multiplier * (thirdQuartile - firstQuartile) }
    var upper: Double { thirdQuartile + Self.multiplier * (thirdQuartile - firstQuartile) }

    /// How far outside the fences `value` lies, or nil when it is inside.
    func distanceOutside(_ value: Double) -> Double? {
        if value < lower { return lower - value }
        if value > upper { return value - upper }
        return nil
    }

    static func quantile(_ fraction: Double, ofSorted values: [Double]) -> Double {
        let position = fraction * Double(values.count - 1)
        let below = Int(position)
        guard below + 1 < values.count else { return values[below] }
        let weight = position - Double(below)
        return values[below] + weight * (values[below + 1] - values[below])
    }
}
