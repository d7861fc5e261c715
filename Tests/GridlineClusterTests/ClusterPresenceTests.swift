import GridlineCluster
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

final class ClusterPresenceTests: RedisTestCase {
    private func join(_ presence: ClusterPresence, _ room: String, _ user: String, _ connection: String,
                      json: String = "{}") throws -> ClusterPresence.JoinResult {
        try value("join") {
            presence.join(room: room, userID: user, connection: connection, presenceJSON: Array(json.utf8), completion: $0)
        }
    }

    private func leave(_ presence: ClusterPresence, _ room: String, _ user: String,
                       _ connection: String) throws -> ClusterPresence.LeaveResult {
        try value("leave") { presence.leave(room: room, userID: user, connection: connection, completion: $0) }
    }

    func testFirstJoinAndLastLeaveHappenOnceWhenTwoNodesHoldTheSameUser() throws {
        let nodeA = ClusterPresence(client: try makeClient(), nodeID: "node-a")
        let nodeB = ClusterPresence(client: try makeClient(), nodeID: "node-b")
        XCTAssertEqual(try join(nodeA, "r1", "alice", "1"), .init(first: true, totalUsers: 1))
        XCTAssertEqual(try join(nodeB, "r1", "alice", "1"), .init(first: false, totalUsers: 1))
        XCTAssertEqual(try join(nodeB, "r1", "bob", "2"), .init(first: true, totalUsers: 2))
        XCTAssertEqual(try command(nodeA.client, ["HGET", "gl:room:r1:users", "alice"]).integer, 2)

        XCTAssertEqual(try leave(nodeA, "r1", "alice", "1"), .init(last: false, totalUsers: 2))
        XCTAssertEqual(try leave(nodeB, "r1", "alice", "1"), .init(last: true, totalUsers: 1))
        XCTAssertEqual(try command(nodeA.client, ["HEXISTS", "gl:room:r1:users", "alice"]), .integer(0))
        XCTAssertEqual(try command(nodeA.client, ["HEXISTS", "gl:room:r1:info", "alice"]), .integer(0))
        XCTAssertEqual(try leave(nodeB, "r1", "bob", "2"), .init(last: true, totalUsers: 0))
        XCTAssertEqual(try command(nodeA.client, ["EXISTS", "gl:room:r1:users", "gl:room:r1:info",
                                                  "gl:node:node-a:entries", "gl:node:node-b:entries"]), .integer(0))
    }

    func testConcurrentJoinsFromTwoNodesReportExactlyOneFirst() throws {
        let nodeA = ClusterPresence(client: try makeClient(), nodeID: "node-a")
        let nodeB = ClusterPresence(client: try makeClient(), nodeID: "node-b")
        nonisolated(unsafe) var results: [ClusterPresence.JoinResult] = []
        try harness.run {
            for index in 0..<20 {
                let presence = index % 2 == 0 ? nodeA : nodeB
                presence.join(room: "r1", userID: "alice", connection: "c\(index)", presenceJSON: Array("{}".utf8)) {
                    if case .success(let result) = $0 { results.append(result) }
                }
            }
        }
        harness.wait("20 joins") { results.count == 20 }
        XCTAssertEqual(results.filter(\.first).count, 1)
        XCTAssertTrue(results.allSatisfy { $0.totalUsers == 1 })
        XCTAssertEqual(try command(nodeA.client, ["HGET", "gl:room:r1:users", "alice"]).integer, 20)
    }

    func testLeavingAConnectionThatIsNotThereChangesNothing() throws {
        let nodeA = ClusterPresence(client: try makeClient(), nodeID: "node-a")
        let nodeB = ClusterPresence(client: try makeClient(), nodeID: "node-b")
        XCTAssertEqual(try join(nodeA, "r1", "alice", "1"), .init(first: true, totalUsers: 1))
        // Another connection id, another node, another room: none of them is node-a's entry.
        XCTAssertEqual(try leave(nodeA, "r1", "alice", "2"), .init(last: false, totalUsers: 1))
        XCTAssertEqual(try leave(nodeB, "r1", "alice", "1"), .init(last: false, totalUsers: 1))
        XCTAssertEqual(try leave(nodeA, "r2", "alice", "1"), .init(last: false, totalUsers: 0))
        XCTAssertEqual(try command(nodeA.client, ["HGET", "gl:room:r1:users", "alice"]).integer, 1)
        XCTAssertEqual(try leave(nodeA, "r1", "alice", "1"), .init(last: true, totalUsers: 0))
        XCTAssertEqual(try leave(nodeA, "r1", "alice", "1"), .init(last: false, totalUsers: 0))
        XCTAssertEqual(try command(nodeA.client, ["EXISTS", "gl:room:r1:users"]), .integer(0))
    }

    func testJoiningTheSameConnectionTwiceCountsItOnce() throws {
        let node = ClusterPresence(client: try makeClient(), nodeID: "node-a")
        XCTAssertEqual(try join(node, "r1", "alice", "1"), .init(first: true, totalUsers: 1))
        XCTAssertEqual(try join(node, "r1", "alice", "1"), .init(first: false, totalUsers: 1))
        XCTAssertEqual(try command(node.client, ["HGET", "gl:room:r1:users", "alice"]).integer, 1)
        XCTAssertEqual(try leave(node, "r1", "alice", "1"), .init(last: true, totalUsers: 0))
    }

    func testRosterHoldsThePresenceJSONOfEveryUserPresentOnAnyNode() throws {
        let nodeA = ClusterPresence(client: try makeClient(), nodeID: "node-a")
        let nodeB = ClusterPresence(client: try makeClient(), nodeID: "node-b")
        let alice = #"{"user_id":"alice","status":"online"}"#, bob = #"{"user_id":"bob","status":"away"}"#
        _ = try join(nodeA, "r1", "alice", "1", json: alice)
        _ = try join(nodeB, "r1", "alice", "2", json: #"{"user_id":"alice","status":"second tab"}"#)
        _ = try join(nodeB, "r1", "bob", "3", json: bob)
        _ = try join(nodeB, "r2", "carol", "4", json: #"{"user_id":"carol"}"#)
        let roster: [[UInt8]] = try value("roster") { nodeA.roster(room: "r1", completion: $0) }
        XCTAssertEqual(roster.map { String(decoding: $0, as: UTF8.self) }.sorted(), [alice, bob])

        _ = try leave(nodeB, "r1", "bob", "3")
        let after: [[UInt8]] = try value("roster") { nodeB.roster(room: "r1", completion: $0) }
        XCTAssertEqual(after.map { String(decoding: $0, as: UTF8.self) }, [alice])
        let empty: [[UInt8]] = try value("roster") { nodeB.roster(room: "nobody-here", completion: $0) }
        XCTAssertEqual(empty, [])
    }

    func testUpdateInfoChangesOnlyAUserWhoIsPresent() throws {
        let node = ClusterPresence(client: try makeClient(), nodeID: "node-a")
        _ = try join(node, "r1", "alice", "1", json: #"{"status":"online"}"#)
        let updated: Bool = try value("update") {
            node.updateInfo(room: "r1", userID: "alice", presenceJSON: Array(#"{"status":"away"}"#.utf8), completion: $0)
        }
        XCTAssertTrue(updated)
        XCTAssertEqual(try command(node.client, ["HGET", "gl:room:r1:info", "alice"]).string, #"{"status":"away"}"#)
        let ghost: Bool = try value("update") {
            node.updateInfo(room: "r1", userID: "bob", presenceJSON: Array(#"{"status":"away"}"#.utf8), completion: $0)
        }
        XCTAssertFalse(ghost)
        XCTAssertEqual(try command(node.client, ["HEXISTS", "gl:room:r1:info", "bob"]), .integer(0))
    }
}
