/// A point-in-time copy of the writer's figures, for `/metrics` and the stats endpoint.
public struct StoreWriterMetrics: Sendable, Equatable {
    /// One histogram bucket in Prometheus style: groups that took ≤ `upperBoundSeconds`.
    public struct Bucket: Sendable, Equatable {
        public let upperBoundSeconds: Double
        /// Cumulative: includes every faster bucket.
        public let count: Int
    }

    /// Successful COMMITs.
    public var commits: Int
    /// Groups whose BEGIN, savepoint handling or COMMIT failed (all their work was lost
    /// and reported as failed).
    public var failedCommits: Int
    /// Operations run, whatever their outcome.
    public var operations: Int
    /// Operations whose own work threw (rolled back to their savepoint).
    public var failedOperations: Int
    public var lastGroupSize: Int
    public var averageGroupSize: Double
    public var largestGroupSize: Int
    /// Operations waiting for the writer right now.
    public var queueDepth: Int
    /// Time from BEGIN to the end of COMMIT (fsync included), per group.
    public var commitLatencyBuckets: [Bucket]
    public var commitLatencySumSeconds: Double
    public var commitLatencyCount: Int
    /// Periodic maintenance runs (history trim) that failed.
    public var maintenanceFailures: Int
}

/// The writer's running totals; guarded by the writer's metrics lock.
struct WriterStats {
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    var commits = 0
    var failedCommits = 0
    var operations = 0
    var failedOperations = 0
    var lastGroupSize = 0
    var largestGroupSize = 0
    var groups = 0
    var bucketCounts = [Int](repeating: 0, count: WriterStats.bucketBounds.count + 1)
    var latencySum = 0.0
    var maintenanceFailures = 0

    mutating func record(size: Int, failedOps: Int, committed: Bool, seconds: Double) {
        groups += 1
        operations += size
        failedOperations += failedOps
        lastGroupSize = size
        largestGroupSize = max(largestGroupSize, size)
        if committed { commits += 1 } else { failedCommits += 1 }
        let index = Self.bucketBounds.firstIndex { seconds <= $0 } ?? Self.bucketBounds.count
        bucketCounts[index] += 1
        latencySum += seconds
    }

    func snapshot(queueDepth: Int) -> StoreWriterMetrics {
        var cumulative = 0
        var buckets: [StoreWriterMetrics.Bucket] = []
        for (index, bound) in (Self.bucketBounds + [Double.infinity]).enumerated() {
            cumulative += bucketCounts[index]
            buckets.append(.init(upperBoundSeconds: bound, count: cumulative))
        }
        return StoreWriterMetrics(
            commits: commits, failedCommits: failedCommits, operations: operations,
            failedOperations: failedOperations, lastGroupSize: lastGroupSize,
            averageGroupSize: groups == 0 ? 0 : Double(operations) / Double(groups),
            largestGroupSize: largestGroupSize, queueDepth: queueDepth,
            commitLatencyBuckets: buckets, commitLatencySumSeconds: latencySum,
            commitLatencyCount: groups, maintenanceFailures: maintenanceFailures)
    }
}
