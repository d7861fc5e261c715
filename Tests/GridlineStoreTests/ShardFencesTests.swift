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

    func testInAWriterGroupTheFenceIsReadOnceUntilAClaim() throws {
        let db = try makeMigratedDatabase(self)
        _ = try ShardFences.claim(db, shard: 2, fence: 1, node: "a", now: 1)
        try db.run("BEGIN IMMEDIATE")
        db.writeGroup = 1
        XCTAssertNoThrow(try ShardFences.check(db, shard: 2, fence: 1))
        _ = try ShardFences.claim(db, shard: 2, fence: 3, node: "a", now: 2)
        XCTAssertThrowsError(try ShardFences.check(db, shard: 2, fence: 1), "a claim makes the next check read the row")
        XCTAssertNoThrow(try ShardFences.check(db, shard: 2, fence: 3))
        try db.run("COMMIT")
        db.writeGroup = nil
    }

    func testANewGroupOrNoGroupReadsTheFenceAgain() throws {
        let db = try makeMigratedDatabase(self)
        _ = try ShardFences.claim(db, shard: 4, fence: 1, node: "a", now: 1)
        db.writeGroup = 1
        XCTAssertNoThrow(try ShardFences.check(db, shard: 4, fence: 1))
        db.writeGroup = nil
        // Another node's claim between our groups: not through this connection's `claim`.
        try db.run("UPDATE shard_fences SET fence = 5, node = 'b' WHERE shard = 4")
        db.writeGroup = 2
        XCTAssertThrowsError(try ShardFences.check(db, shard: 4, fence: 1))
        db.writeGroup = nil
        try db.run("UPDATE shard_fences SET fence = 1, node = 'a' WHERE shard = 4")
        XCTAssertNoThrow(try ShardFences.check(db, shard: 4, fence: 1))
        try db.run("UPDATE shard_fences SET fence = 6, node = 'b' WHERE shard = 4")
        XCTAssertThrowsError(try ShardFences.check(db, shard: 4, fence: 1), "outside a group every check reads")
    }

    func testAForwardKeyIsRecordedOnceWithItsOutcome() throws {
        let db = try makeMigratedDatabase(self)
        XCTAssertNil(try ForwardLog.outcome(db, key: "n1.ab.1", madeAt: 1_000))
        try ForwardLog.record(db, key: "n1.ab.1", outcome: "21 23", madeAt: 1_000)
        XCTAssertEqual(try ForwardLog.outcome(db, key: "n1.ab.1", madeAt: 1_000), "21 23")
        XCTAssertNil(try ForwardLog.outcome(db, key: "n1.ab.1", madeAt: 1_001), "a resend carries its write's time")
        XCTAssertThrowsError(try ForwardLog.record(db, key: "n1.ab.1", outcome: "24 24", madeAt: 1_000))
        try ForwardLog.record(db, key: "n1.ab.2", outcome: "24 24", madeAt: 5_000)
        XCTAssertEqual(try ForwardLog.prune(db, before: 2_000, limit: 100), 1)
        XCTAssertNil(try ForwardLog.outcome(db, key: "n1.ab.1", madeAt: 1_000))
        XCTAssertEqual(try ForwardLog.outcome(db, key: "n1.ab.2", madeAt: 5_000), "24 24")
    }

    func testPruningTakesTheOldestKeysFirstAndAtMostTheLimit() throws {
        let db = try makeMigratedDatabase(self)
        for index in 0..<10 {
            try ForwardLog.record(db, key: "n2.x.\(index)", outcome: "\(index) \(index)", madeAt: Int64(100 - index))
        }
        XCTAssertEqual(try ForwardLog.prune(db, before: 1_000, limit: 4), 4)
        XCTAssertEqual(try db.query("SELECT applied_at FROM applied_forwards ORDER BY applied_at") { $0.int64(0) },
                       [95, 96, 97, 98, 99, 100])
        XCTAssertEqual(try ForwardLog.prune(db, before: 98, limit: 100), 3, "only keys made before the cut")
        XCTAssertEqual(try ForwardLog.prune(db, before: 98, limit: 100), 0)
    }

    func testMigration4KeepsTheKeysAlreadyRecorded() throws {
        let directory = try makeTemporaryDirectory(self)
        let migrations = directory.appendingPathComponent("migrations")
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        let all = try FileManager.default.contentsOfDirectory(atPath: Repository.migrations.path).sorted()
        for name in all where name < "004" {
            try FileManager.default.copyItem(at: Repository.migrations.appendingPathComponent(name),
                                             to: migrations.appendingPathComponent(name))
        }
        let db = try Store.openConnection(path: directory.appendingPathComponent("old.sqlite").path, readOnly: false)
        defer { db.close() }
        XCTAssertEqual(try Migrator(directory: migrations).migrate(db), [1, 2, 3])
        try db.run("INSERT INTO applied_forwards(key, outcome, applied_at) VALUES ('n1.ab.7', '4 4', 1234)")
        for name in all where name.hasPrefix("004") {
            try FileManager.default.copyItem(at: Repository.migrations.appendingPathComponent(name),
                                             to: migrations.appendingPathComponent(name))
        }
        XCTAssertEqual(try Migrator(directory: migrations).migrate(db), [4])
        XCTAssertEqual(try ForwardLog.outcome(db, key: "n1.ab.7", madeAt: 1234), "4 4")
    }
}
