import Foundation

/// LibreOffice's tolerant double arithmetic (rtl::math approxEqual/approxAdd/approxSub and
/// its rounding): results within about 2⁻⁴⁸ relative are treated as equal, so
/// `=0.1+0.2-0.3` is exactly 0 and `ROUND(2.675,2)` is 2.68.
enum FormulaApproximation {
    private static let epsilon = 1.0 / (16_777_216.0 * 16_777_216.0)

    @inlinable static func equal(_ a: Double, _ b: Double) -> Bool {
        if a == b { return true }
        return abs(a - b) < abs(a) * (1.0 / (16_777_216.0 * 16_777_216.0))
    }

    @inlinable static func add(_ a: Double, _ b: Double) -> Double {
        if ((a < 0 && b > 0) || (b < 0 && a > 0)), equal(a, -b) { return 0 }
        return a + b
    }

    @inlinable static func subtract(_ a: Double, _ b: Double) -> Double {
        if ((a < 0 && b < 0) || (a > 0 && b > 0)), equal(a, b) { return 0 }
        return a - b
    }

    /// `x` rounded to 15 significant digits: what the value "is" once binary noise is gone.
    static func significant(_ x: Double) -> Double {
        guard x.isFinite, x != 0 else { return x }
        // Scale to 15 integer digits and round (rtl::math::approxValue's way); text
        // formatting is the exact fallback where the scale would leave the double range.
        let digits = 14 - Int(Foundation.floor(log10(abs(x))))
        guard digits > -290, digits < 290 else { return Double(String(format: "%.14e", x)) ?? x }
        let scale = pow(10.0, Double(abs(digits)))
        let result = digits >= 0 ? (x * scale).rounded() / scale : (x / scale).rounded() * scale
        return result.isFinite ? result : x
    }

    static func floor(_ x: Double) -> Double { Foundation.floor(significant(x)) }
    static func ceil(_ x: Double) -> Double { Foundation.ceil(significant(x)) }

    enum RoundingMode { case halfAwayFromZero, awayFromZero, towardZero }

    /// ROUND/ROUNDUP/ROUNDDOWN to `places` decimals (negative: left of the point).
    static func round(_ value: Double, places: Int, mode: RoundingMode) -> Double {
        guard value.isFinite, value != 0 else { return value }
        let places = max(-308, min(places, 308))
        let magnitude = abs(value)
        if places >= 0, magnitude >= 4_503_599_627_370_496 { return value }  // 2^52: no fraction left
        let factor = pow(10.0, Double(abs(places)))
        var scaled = places >= 0 ? magnitude * factor : magnitude / factor
        guard scaled.isFinite else { return value }
        scaled = significant(scaled)
        switch mode {
        case .halfAwayFromZero: scaled = Foundation.floor(scaled + 0.5)
        case .awayFromZero: scaled = Foundation.ceil(scaled)
        case .towardZero: scaled = Foundation.floor(scaled)
        }
        let result = places >= 0 ? scaled / factor : scaled * factor
        return value < 0 ? -result : result
    }
}

/// LibreOffice's compensated sum for SUM and friends (Neumaier's Kahan–Babuška variant, the
/// last term kept back and added with `approxAdd` so near-cancellations give exactly 0).
struct FormulaKahanSum: Equatable {
    private var sum = 0.0
    private var error = 0.0
    private var held = 0.0

    mutating func add(_ x: Double) {
        if x == 0 { return }
        if held == 0 { held = x; return }
        let t = sum + held
        if abs(sum) >= abs(held) { error += (sum - t) + held } else { error += (held - t) + sum }
        sum = t
        held = x
    }

    var total: Double {
        let partial = sum + error
        if held == 0 { return partial }
        return FormulaApproximation.add(partial, held)
    }
}
