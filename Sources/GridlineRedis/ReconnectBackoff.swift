/// Delays between reconnect attempts: doubling from `minimum` up to `maximum`, with "equal
/// jitter" (half fixed, half random) so nodes that lost Redis together do not retry in step.
public struct ReconnectBackoff: Sendable {
    public let minimum: Double
    public let maximum: Double
    public private(set) var failures = 0

    public init(minimum: Double = 0.05, maximum: Double = 2) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
    }

    /// The delay before the next attempt, in seconds; `random` is uniform in [0, 1).
    public mutating func nextDelay(random: Double = Double.random(in: 0..<1)) -> Double {
        let ceiling = min(maximum, minimum * Double(1 << min(failures, 30)))
        failures += 1
        return ceiling / 2 + ceiling / 2 * random
    }

    /// After a successful connection the next failure starts again from `minimum`.
    public mutating func reset() { failures = 0 }
}
