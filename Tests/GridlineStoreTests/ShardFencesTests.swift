import XCTest

@testable import GridlineStore

final class ShardFencesTests: XCTestCase {
    func testAClaimTakesAnUnclaimedShardAndAHigherFenceTakesItOver() throws {
        let db = try makeMigratedDatabase(self)
        XCTAssertEqual(try ShardFences.current(db, shard: 7), 0)
        XCTAssertEqual(try ShardFences.claim(db, shard: 7, fence: 3, node: "a", now: 1), 3)
        XCTAssertEqual(try ShardFences.claim(db, shard: 7, fence: 5, node: "b", now: 2), 5)
        XCTAssertEqual(try db.queryFirst("SELECT node FROM shard_fences WHERE shard = 7") { $0.string(0) }, "b")
        XCTAssertEqual(try ShardFences.current(db, shard: 8), 0, "shards are independent")
    }

    func testALowerOrEqualFenceNeverReplacesTheCurrentOne() throws {
        let db = try makeMigratedDatabase(self)
        _ = try ShardFences.claim(db, shard: 1, fence: 9, node: "new", now: 1)
        XCTAssertEqual(try ShardFences.claim(db, shard: 1, fence: 4, node: "stale", now: 2), 9)
        XCTAssertEqual(try ShardFences.claim(db, shard: 1, fence: 9, node: "same", now: 3), 9)
        XCTAssertEqual(try db.queryFirst("SELECT node FROM shard_fences WHERE shard = 1") { $0.string(0) }, "new")
    }

    func testCheckRefusesAStaleFenceAndAWriteBehindItCommitsNothing() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        _ = try ShardFences.claim(db, shard: 2, fence: 1, node: "old", now: 1)
        XCTAssertNoThrow(try ShardFences.check(db, shard: 2, fence: 1))
        _ = try ShardFences.claim(db, shard: 2, fence: 2, node: "new", now: 2)
        XCTAssertThrowsError(try db.transaction {
            try ShardFences.check(db, shard: 2, fence: 1)
            try db.run("UPDATE sheets SET seq = seq + 1 WHERE id = 's1'")
        }) { error in
            XCTAssertEqual(error as? StoreError, .fenced(shard: 2, held: 1, current: 2))
        }
        XCTAssertEqual(try db.scalarInt64("SELECT seq FROM sheets WHERE id = 's1'"), 0)
    }

    func testAForwardKeyIsRecordedOnceWithItsOutcome() throws {
        let db = try makeMigratedDatabase(self)
        XCTAssertNil(try ForwardLog.outcome(db, key: "n1.ab.1"))
        try ForwardLog.record(db, key: "n1.ab.1", outcome: "21 23", now: 1_000)
        XCTAssertEqual(try ForwardLog.outcome(db, key: "n1.ab.1"), "21 23")
        XCTAssertThrowsError(try ForwardLog.record(db, key: "n1.ab.1", outcome: "24 24", now: 1_001))
        try ForwardLog.record(db, key: "n1.ab.2", outcome: "24 24", now: 5_000)
        XCTAssertEqual(try ForwardLog.prune(db, before: 2_000), 1)
        XCTAssertNil(try ForwardLog.outcome(db, key: "n1.ab.1"))
        XCTAssertEqual(try ForwardLog.outcome(db, key: "n1.ab.2"), "24 24")
    }
}
