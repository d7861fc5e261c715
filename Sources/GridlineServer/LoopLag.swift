/// The event loop's lateness: the last probe and a histogram of all of them.
struct LoopLag {
    private(set) var lastMilliseconds: Double = 0
    /// In seconds, as Prometheus expects: 0.1 ms to 1 s.
    private(set) var histogram = BucketHistogram(upperBounds: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])

    mutating func record(_ milliseconds: Double) {
        lastMilliseconds = milliseconds
        histogram.record(milliseconds / 1000)
    }
}
