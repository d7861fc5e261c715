import GridlineCluster
import XCTest

final class ShardMapTests: XCTestCase {
    func testFNV1a32MatchesTheReferenceVectors() {
        // draft-eastlake-fnv (The FNV Non-Cryptographic Hash Algorithm), FNV-1a 32-bit test vectors.
        XCTAssertEqual(ShardMap.fnv1a32("".utf8), 0x811C_9DC5)
        XCTAssertEqual(ShardMap.fnv1a32("a".utf8), 0xE40C_292C)
        XCTAssertEqual(ShardMap.fnv1a32("foobar".utf8), 0xBF9C_F968)
    }

    func testShardIsTheHashOfTheRoomIDModuloSixtyFour() {
        XCTAssertEqual(ShardMap.shardCount, 64)
        XCTAssertEqual(ShardMap.shard(ofRoom: ""), Int(0x811C_9DC5 % 64))
        XCTAssertEqual(ShardMap.shard(ofRoom: "a"), 44)
        XCTAssertEqual(ShardMap.shard(ofRoom: "foobar"), 40)
    }

    func testShardHashesTheUTF8BytesOfTheRoomID() {
        // "é" is the two bytes C3 A9 in UTF-8; the hash runs over bytes, not characters.
        XCTAssertEqual(ShardMap.shard(ofRoom: "é"), Int(ShardMap.fnv1a32([0xC3, 0xA9]) % 64))
        XCTAssertNotEqual(ShardMap.fnv1a32([0xC3, 0xA9]), ShardMap.fnv1a32([0xE9]))
    }

    func testRoomsSpreadOverAllShards() {
        var counts = [Int](repeating: 0, count: ShardMap.shardCount)
        for index in 0..<6_400 { counts[ShardMap.shard(ofRoom: "room-\(index)")] += 1 }
        XCTAssertTrue(counts.allSatisfy { $0 > 50 && $0 < 150 }, "\(counts)")
    }
}
