import GridlineJSON

/// The one JSON result line, members in the order they were added so lines from different
/// runs read alike. Durations go in as nanoseconds and come out as microseconds.
struct BenchReport {
    private(set) var object = JSONObject()

    mutating func set(_ key: String, _ value: JSONValue) {
        object[key] = value
    }

    mutating func set(_ key: String, _ value: Int) {
        object[key] = JSONValue(value)
    }

    mutating func set(_ key: String, _ value: String) {
        object[key] = .string(value)
    }

    /// Rounded to `places` decimals: more digits than the measurement has only add noise.
    mutating func set(_ key: String, _ value: Double, places: Int = 1) {
        guard value.isFinite else { return object[key] = .null }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        object[key] = .number((value * scale).rounded() / scale)
    }

    mutating func set(_ key: String, optional value: Int?) {
        object[key] = value.map { JSONValue($0) } ?? .null
    }

    mutating func set(_ key: String, counts: [String: Int]) {
        object[key] = .object(JSONObject(counts.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) }))
    }

    /// `<prefix>_p50_us`, p90, p99, p999, max and mean, from a histogram of nanoseconds.
    mutating func latency(_ prefix: String, _ histogram: LatencyHistogram, quantiles: [(String, Double)] = Self.allQuantiles) {
        for (name, q) in quantiles { set("\(prefix)_\(name)_us", Double(histogram.quantile(q)) / 1000) }
        set("\(prefix)_max_us", Double(histogram.max) / 1000)
        set("\(prefix)_mean_us", histogram.mean / 1000)
    }

    static let allQuantiles: [(String, Double)] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)]
    static let shortQuantiles: [(String, Double)] = [("p50", 0.5), ("p99", 0.99)]

    var line: String { JSONValue.object(object).serializedString }
}
