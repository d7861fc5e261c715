import XCTest

/// A test case that starts its own cluster (Redis and nodes, `ClusterHarness`) and tears it
/// down whatever happened; skipped when `redis-server` is not installed.
class ClusterTestCase: XCTestCase {
    var cluster: ClusterHarness?

    override func setUpWithError() throws {
        try ClusterHarness.requireRedis()
    }

    override func tearDown() {
        cluster?.shutdown()
        cluster = nil
        super.tearDown()
    }

    /// `nodes` nodes on one Redis and one data directory, stopped when the test ends.
    func startCluster(nodes: Int = 3, _ environment: [String: String] = [:]) throws -> ClusterHarness {
        let started = try ClusterHarness(nodes: nodes, environment: environment)
        cluster = started
        return started
    }
}
