import GridlineCluster
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

final class ShardLeasesTests: RedisTestCase {
    private func leases(_ node: String, ttl: Int = 5_000) throws -> ShardLeases {
        ShardLeases(client: try makeClient(), nodeID: node, incarnation: "i-\(node)", ttlMilliseconds: ttl)
    }

    private func acquire(_ leases: ShardLeases, _ shard: Int, floor: Int64 = 0) throws -> ShardLeases.Acquired {
        try value("acquire \(shard)") { leases.acquire(shard: shard, floor: floor, completion: $0) }
    }

    func testTheFirstNodeGetsTheLeaseAndTheSecondLearnsWhoHoldsIt() throws {
        let a = try leases("node-a")
        let b = try leases("node-b")
        XCTAssertEqual(try acquire(a, 3), .owned(fence: 1))
        guard case .heldBy(let node, let remaining) = try acquire(b, 3) else { return XCTFail("b must not own shard 3") }
        XCTAssertEqual(node, "node-a")
        XCTAssertGreaterThan(remaining, 4_000)
        XCTAssertEqual(try acquire(a, 3), .owned(fence: 1), "asking again keeps the same fence")
        XCTAssertEqual(try acquire(b, 4), .owned(fence: 1), "another shard is free")
    }

    func testAnExpiredLeaseGoesToTheNextNodeWithAHigherFenceAndTheOldOwnerLearnsItLostIt() throws {
        let a = try leases("node-a", ttl: 300)
        let b = try leases("node-b")
        XCTAssertEqual(try acquire(a, 5), .owned(fence: 1))
        XCTAssertEqual(try value("renew") { a.renew([(5, 1)], completion: $0) }, [])
        usleep(450_000)
        XCTAssertEqual(try acquire(b, 5), .owned(fence: 2))
        XCTAssertEqual(try value("renew lost") { a.renew([(5, 1)], completion: $0) }, [5])
        guard case .heldBy(let node, _) = try acquire(a, 5) else { return XCTFail("a must not get it back") }
        XCTAssertEqual(node, "node-b")
    }

    func testARedisThatForgotItsFencesStillHandsOutNumbersAboveTheDatabasesFloor() throws {
        let a = try leases("node-a")
        XCTAssertEqual(try acquire(a, 9, floor: 41), .owned(fence: 42))
        _ = try command(a.client, ["FLUSHALL"])
        XCTAssertEqual(try acquire(a, 9, floor: 42), .owned(fence: 43))
    }

    func testReleaseFreesOnlyOurOwnLease() throws {
        let a = try leases("node-a")
        let b = try leases("node-b")
        XCTAssertEqual(try acquire(a, 1), .owned(fence: 1))
        _ = try value("b releases") { b.release([(1, 1)], completion: $0) }
        XCTAssertEqual(try value("holder") { b.holder(shard: 1, completion: $0) }, "node-a")
        _ = try value("a releases") { a.release([(1, 1)], completion: $0) }
        XCTAssertNil(try value("holder") { b.holder(shard: 1, completion: $0) })
        XCTAssertEqual(try acquire(b, 1), .owned(fence: 2))
    }
}
