import GridlineCluster
import GridlineRedis
import GridlineRESP
import XCTest

final class ClusterRateLimiterTests: ClusterTestCase {
    private func admit(_ limiter: ClusterRateLimiter, _ key: String, rate: Int, window: Int, burst: Int) throws -> Bool {
        try value("admit") { limiter.admit(key: key, ratePerWindow: rate, windowMilliseconds: window, burst: burst, completion: $0) }
    }

    func testAdmitsTheRateThenRefusesThenAdmitsAgainAfterTheInterval() throws {
        let limiter = ClusterRateLimiter(client: try makeClient())
        let key = ClusterKeys.rate(user: "alice", kind: "minute")
        // 3 per 1.5 s with a burst of 3: one emission interval is 500 ms.
        for _ in 0..<3 { XCTAssertTrue(try admit(limiter, key, rate: 3, window: 1_500, burst: 3)) }
        XCTAssertFalse(try admit(limiter, key, rate: 3, window: 1_500, burst: 3))
        XCTAssertFalse(try admit(limiter, key, rate: 3, window: 1_500, burst: 3))
        usleep(600_000)
        XCTAssertTrue(try admit(limiter, key, rate: 3, window: 1_500, burst: 3))
        XCTAssertFalse(try admit(limiter, key, rate: 3, window: 1_500, burst: 3))
    }

    func testTwoNodesShareOneLimit() throws {
        let nodeA = ClusterRateLimiter(client: try makeClient())
        let nodeB = ClusterRateLimiter(client: try makeClient())
        let key = ClusterKeys.rate(user: "alice", kind: "hour")
        var admitted = 0
        for index in 0..<10 where try admit(index % 2 == 0 ? nodeA : nodeB, key, rate: 4, window: 60_000, burst: 4) {
            admitted += 1
        }
        XCTAssertEqual(admitted, 4)
    }

    func testBurstBelowTheRateAdmitsOnlyTheBurstBackToBack() throws {
        let limiter = ClusterRateLimiter(client: try makeClient())
        XCTAssertTrue(try admit(limiter, "gl:rate:bob:minute", rate: 60, window: 60_000, burst: 2))
        XCTAssertTrue(try admit(limiter, "gl:rate:bob:minute", rate: 60, window: 60_000, burst: 2))
        XCTAssertFalse(try admit(limiter, "gl:rate:bob:minute", rate: 60, window: 60_000, burst: 2))
    }

    func testStateExpiresAfterTheWindowAndKeysAreIndependent() throws {
        let limiter = ClusterRateLimiter(client: try makeClient())
        XCTAssertTrue(try admit(limiter, "gl:rate:carol:minute", rate: 1, window: 300, burst: 1))
        XCTAssertFalse(try admit(limiter, "gl:rate:carol:minute", rate: 1, window: 300, burst: 1))
        XCTAssertTrue(try admit(limiter, "gl:rate:dave:minute", rate: 1, window: 300, burst: 1))
        let ttl = try command(limiter.client, ["PTTL", "gl:rate:carol:minute"]).integer ?? -1
        XCTAssertTrue(ttl > 0 && ttl <= 300, "PTTL \(ttl)")
        usleep(400_000)
        XCTAssertEqual(try command(limiter.client, ["EXISTS", "gl:rate:carol:minute"]), .integer(0))
        XCTAssertTrue(try admit(limiter, "gl:rate:carol:minute", rate: 1, window: 300, burst: 1))
    }
}
