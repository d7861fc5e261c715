import GridlineCluster
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

final class ClusterRateCounterTests: RedisTestCase {
    private func add(_ counter: ClusterRateCounter, _ user: String, _ delta: Int, windows: [Int]) throws -> [ClusterRateCounter.Window] {
        try value("add") { counter.add(userID: user, delta: delta, windows: windows, completion: $0) }
    }

    func testCountsFromTwoNodesAddUpInTheSameWindow() throws {
        let nodeA = ClusterRateCounter(client: try makeClient())
        let nodeB = ClusterRateCounter(client: try makeClient())
        XCTAssertEqual(try add(nodeA, "alice", 3, windows: [60_000, 3_600_000]).map(\.count), [3, 3])
        XCTAssertEqual(try add(nodeB, "alice", 4, windows: [60_000, 3_600_000]).map(\.count), [7, 7])
        XCTAssertEqual(try add(nodeA, "bob", 1, windows: [60_000]).map(\.count), [1], "users are counted apart")
        let windows = try add(nodeB, "alice", 0, windows: [60_000, 3_600_000])
        XCTAssertEqual(windows.map(\.count), [7, 7], "a zero delta reads the totals")
        XCTAssertTrue((1...60_000).contains(windows[0].remainingMilliseconds))
        XCTAssertTrue((1...3_600_000).contains(windows[1].remainingMilliseconds))
    }

    func testANewWindowStartsFromZeroAndOldWindowsExpire() throws {
        let counter = ClusterRateCounter(client: try makeClient())
        let first = try add(counter, "carol", 5, windows: [400])
        XCTAssertEqual(first.map(\.count), [5])
        usleep(useconds_t(first[0].remainingMilliseconds * 1000 + 50_000))
        XCTAssertEqual(try add(counter, "carol", 2, windows: [400]).map(\.count), [2])
        let keys = try command(counter.client, ["KEYS", "gl:rate:carol:*"]).array ?? []
        for key in keys {
            let ttl = try command(counter.client, ["PTTL", key.string ?? ""]).integer ?? -1
            XCTAssertTrue((1...1_400).contains(ttl), "every window key expires soon after its window: \(ttl)")
        }
    }
}
