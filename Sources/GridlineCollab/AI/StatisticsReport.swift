import GridlineJSON
import GridlineFormula

/// A numeric cell kept for the second pass (quartiles and outliers) and for naming extremes.
struct NumericCell: Sendable, Equatable {
    let address: SheetCell
    let value: Double
}

/// Which way the least-squares line through the values (in reading order) points.
enum TrendDirection: String, Sendable {
    case increasing, decreasing, flat

    /// Below this |r| the line explains under 1% of the variance (r² < 0.01): noise, not a trend.
    static let correlationTolerance = 0.1
    /// A spread this small relative to the mean is floating-point rounding, not variation
    /// (0.1 + 0.2 against 0.3), so such a series is flat whatever its r says.
    static let relativeSpreadTolerance = 1e-12

    /// Nil below two values, where no line can be fitted.
    init?(_ statistics: RunningStatistics) {
        guard let slope = statistics.slope, slope.isFinite,
            let spread = statistics.populationStandardDeviation, let mean = statistics.mean
        else { return nil }
        guard let r = statistics.correlation, r.isFinite,
            spread > Self.relativeSpreadTolerance * abs(mean),
            abs(r) >= Self.correlationTolerance
        else {
            self = .flat
            return
        }
        self = slope > 0 ? .increasing : .decreasing
    }
}

/// Everything the built-in provider found, before it is written out as figures and as text.
struct StatisticsReport: Sendable {
    /// The canonical `table_range`, or nil for the whole sheet.
    let range: CellRange?
    let statistics: RunningStatistics
    /// Numeric cells in reading order; `statistics` positions index into it.
    let numericCells: [NumericCell]
    let nonNumericCount: Int
    /// The most extreme outliers first, at most `StatisticsProvider.outlierListLimit` of them.
    let outliers: [NumericCell]
    /// All outliers, including those beyond the listed ones.
    let outlierCount: Int

    var trendDirection: TrendDirection? { TrendDirection(statistics) }

    /// The `figures` object of `ai_complete`. Anything that cannot be computed (no numeric
    /// cells, fewer than two for a trend) or that overflowed to a non-finite value is null,
    /// since JSON has no NaN or infinity.
    var figures: JSONValue {
        var object = JSONObject()
        object["count"] = JSONValue(statistics.count)
        object["non_numeric"] = JSONValue(nonNumericCount)
        let hasValues = statistics.count > 0
        object["sum"] = Self.number(statistics.total)
        object["mean"] = Self.number(statistics.mean)
        object["min"] = Self.number(hasValues ? statistics.minimum : nil)
        object["max"] = Self.number(hasValues ? statistics.maximum : nil)
        object["std_dev"] = Self.number(statistics.populationStandardDeviation)
        if let direction = trendDirection {
            object["trend"] = [
                "slope": Self.number(statistics.slope),
                "intercept": Self.number(statistics.intercept),
                "direction": .string(direction.rawValue),
            ]
        } else {
            object["trend"] = .null
        }
        object["outliers"] = hasValues
            ? .array(outliers.map { ["cell_id": .string($0.address.a1), "value": Self.number($0.value)] })
            : .null
        object["range"] = .string(range?.text ?? "all")
        return .object(object)
    }

    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }
}
