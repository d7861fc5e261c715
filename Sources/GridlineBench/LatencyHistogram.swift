/// A log-linear histogram of nanosecond durations: exact below 256 ns, then 128 buckets per
/// power of two, so any reported quantile is within 0.4 % of a recorded value. Fixed size
/// (about 58 KiB), no allocation per sample, exact count, sum, min and max.
public struct LatencyHistogram: Sendable {
    private static let linearLimit: UInt64 = 256
    private static let subBuckets = 128
    private static let subBucketBits = 7
    /// 256 linear slots plus 56 octaves (2^8 ... 2^63) of 128 sub-buckets.
    private static let bucketCount = 256 + 56 * 128

    private var buckets: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var sum: Double = 0
    public private(set) var min: UInt64 = .max
    public private(set) var max: UInt64 = 0

    public init() {
        buckets = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    public static func bucketIndex(_ value: UInt64) -> Int {
        if value < linearLimit { return Int(value) }
        let msb = 63 - value.leadingZeroBitCount
        let shift = msb - subBucketBits
        return 256 + (shift - 1) * subBuckets + Int(value >> UInt64(shift)) - subBuckets
    }

    /// The middle of a bucket's range: halves the worst-case error of reporting its low edge.
    public static func bucketMidpoint(_ index: Int) -> UInt64 {
        if index < 256 { return UInt64(index) }
        let shift = (index - 256) / subBuckets + 1
        let mantissa = UInt64((index - 256) % subBuckets + subBuckets)
        return (mantissa << UInt64(shift)) + (UInt64(1) << UInt64(shift - 1))
    }

    public mutating func record(_ value: UInt64) {
        buckets[Self.bucketIndex(value)] &+= 1
        count &+= 1
        sum += Double(value)
        if value < min { min = value }
        if value > max { max = value }
    }

    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for index in 0..<Self.bucketCount { buckets[index] &+= other.buckets[index] }
        count &+= other.count
        sum += other.sum
        if other.min < min { min = other.min }
        if other.max > max { max = other.max }
    }

    /// The value at quantile `q` (0...1): the smallest recorded value with at least q·count
    /// samples at or below it, up to bucket resolution, clamped to the exact min and max.
    public func quantile(_ q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        if q >= 1 { return max }
        let rank = Swift.max(1, UInt64((q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for index in 0..<Self.bucketCount {
            seen &+= buckets[index]
            if seen >= rank {
                return Swift.min(Swift.max(Self.bucketMidpoint(index), min), max)
            }
        }
        return max
    }

    public var mean: Double { count > 0 ? sum / Double(count) : 0 }
}
