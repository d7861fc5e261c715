/// Writes the Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one
/// sample per line, label values escaped.
struct PrometheusText {
    private(set) var text = ""

    enum Kind: String { case counter, gauge, histogram }

    private mutating func header(_ name: String, _ kind: Kind, _ help: String) {
        text += "# HELP \(name) \(help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n"
        text += "# TYPE \(name) \(kind.rawValue)\n"
    }

    private func labelText(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        let parts = labels.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    private static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    mutating func single(_ name: String, _ kind: Kind, _ help: String, _ value: Double) {
        header(name, kind, help)
        text += "\(name) \(Self.number(value))\n"
    }

    /// One family with a sample per label set (e.g. messages by type).
    mutating func family(_ name: String, _ kind: Kind, _ help: String, _ samples: [([(String, String)], Double)]) {
        header(name, kind, help)
        for (labels, value) in samples { text += "\(name)\(labelText(labels)) \(Self.number(value))\n" }
    }

    /// Cumulative buckets by upper bound; `+Inf` is added from `count`.
    mutating func histogram(_ name: String, _ help: String, buckets: [(upperBound: Double, cumulativeCount: UInt64)],
                            sum: Double, count: UInt64) {
        header(name, .histogram, help)
        for bucket in buckets {
            text += "\(name)_bucket{le=\"\(Self.number(bucket.upperBound))\"} \(bucket.cumulativeCount)\n"
        }
        text += "\(name)_bucket{le=\"+Inf\"} \(count)\n"
        text += "\(name)_sum \(Self.number(sum))\n"
        text += "\(name)_count \(count)\n"
    }
}

/// A fixed-bucket histogram for loop-thread measurements (e.g. event-loop pass time).
struct BucketHistogram {
    let upperBounds: [Double]
    private(set) var counts: [UInt64]
    private(set) var sum: Double = 0
    private(set) var count: UInt64 = 0

    init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.counts = Array(repeating: 0, count: upperBounds.count)
    }

    mutating func record(_ value: Double) {
        sum += value
        count += 1
        if let index = upperBounds.firstIndex(where: { value <= $0 }) { counts[index] += 1 }
    }

    var cumulative: [(upperBound: Double, cumulativeCount: UInt64)] {
        var running: UInt64 = 0
        return zip(upperBounds, counts).map { bound, count in
            running += count
            return (bound, running)
        }
    }
}
