import Foundation
import GridlineCluster
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

final class NodeReaperTests: RedisTestCase {
    private func register(_ client: RedisClient, _ node: String, ttl: Int) throws {
        let liveness = NodeLiveness(client: client)
        let registered: Bool = try value("register") {
            liveness.register(nodeID: node, incarnation: "inc-" + node, ttlMilliseconds: ttl, completion: $0)
        }
        XCTAssertTrue(registered)
    }

    private func join(_ presence: ClusterPresence, _ room: String, _ user: String, _ connection: String) throws {
        _ = try value("join") {
            presence.join(room: room, userID: user, connection: connection, presenceJSON: Array("{}".utf8), completion: $0)
        }
    }

    /// Polls until the alive key is gone (bounded).
    private func waitForExpiry(_ client: RedisClient, _ node: String) throws {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if try command(client, ["EXISTS", "gl:node:" + node]) == .integer(0) { return }
            usleep(50_000)
        }
        XCTFail("alive key of \(node) did not expire")
    }

    func testDeadNodeIsReapedOnceWhenTwoSurvivorsRace() throws {
        let clientA = try makeClient(), clientB = try makeClient(), clientC = try makeClient()
        try register(clientA, "node-a", ttl: 300)
        try register(clientB, "node-b", ttl: 10_000)
        try register(clientC, "node-c", ttl: 10_000)
        let nodeA = ClusterPresence(client: clientA, nodeID: "node-a")
        let nodeB = ClusterPresence(client: clientB, nodeID: "node-b")
        let nodeC = ClusterPresence(client: clientC, nodeID: "node-c")
        let connectionsA = ClusterConnections(client: clientA)
        // 20 rooms; in each, "solo" is only on node-a, "shared" on node-a and node-b.
        for room in 0..<20 {
            try join(nodeA, "r\(room)", "solo", "s\(room)")
            try join(nodeA, "r\(room)", "solo", "t\(room)")
            try join(nodeA, "r\(room)", "shared", "x\(room)")
            try join(nodeB, "r\(room)", "shared", "y\(room)")
        }
        _ = try value("conn") { connectionsA.register(userID: "solo", member: "node-a/s0", limit: 5, completion: $0) }
        _ = try value("conn") { ClusterConnections(client: clientB).register(userID: "solo", member: "node-b/9", limit: 5, completion: $0) }
        try waitForExpiry(clientA, "node-a")

        nonisolated(unsafe) var reapedByB: Result<ReapedNodes, RedisError>?
        nonisolated(unsafe) var reapedByC: Result<ReapedNodes, RedisError>?
        try harness.run {
            nodeB.reapDeadNodes(selfNodeID: "node-b") { reapedByB = $0 }
            nodeC.reapDeadNodes(selfNodeID: "node-c") { reapedByC = $0 }
        }
        harness.wait("both reapers") { reapedByB != nil && reapedByC != nil }
        let leaves = try reapedByB!.get().leaves + reapedByC!.get().leaves
        XCTAssertEqual(try reapedByB!.get().nodes + reapedByC!.get().nodes, ["node-a"], "one of the two released node-a")
        XCTAssertEqual(leaves.count, 20, "\(leaves)")
        XCTAssertEqual(Set(leaves.map(\.room)), Set((0..<20).map { "r\($0)" }))
        XCTAssertTrue(leaves.allSatisfy { $0.userID == "solo" && $0.totalUsers == 1 })

        XCTAssertEqual(try command(clientB, ["HGETALL", "gl:room:r7:users"]),
                       .array([.bulkString(Array("shared".utf8)), .bulkString(Array("1".utf8))]))
        XCTAssertEqual(try command(clientB, ["EXISTS", "gl:node:node-a:entries", "gl:node:node-a:conns"]), .integer(0))
        XCTAssertEqual(sortedStrings(try command(clientB, ["ZRANGE", "gl:user:solo:conns", "0", "-1"])), ["node-b/9"])
        XCTAssertEqual(sortedStrings(try command(clientB, ["SMEMBERS", "gl:nodes"])), ["node-b", "node-c"])

        // A second round finds nothing, and the dead node's own late leave changes nothing.
        let again: ReapedNodes = try value("reap again") { nodeC.reapDeadNodes(selfNodeID: "node-c", completion: $0) }
        XCTAssertEqual(again, ReapedNodes())
        let late: ClusterPresence.LeaveResult = try value("late leave") {
            nodeA.leave(room: "r1", userID: "shared", connection: "x1", completion: $0)
        }
        XCTAssertEqual(late, .init(last: false, totalUsers: 1))
    }

    func testLiveNodesAndTheCallerAreNotReaped() throws {
        let clientA = try makeClient(), clientB = try makeClient()
        try register(clientA, "node-a", ttl: 10_000)
        let nodeA = ClusterPresence(client: clientA, nodeID: "node-a")
        let nodeB = ClusterPresence(client: clientB, nodeID: "node-b")
        try join(nodeA, "r1", "alice", "1")
        // node-b joined without an alive key (it lost it); it reaps others, never itself.
        try join(nodeB, "r1", "bob", "2")
        let reaped: ReapedNodes = try value("reap") { nodeB.reapDeadNodes(selfNodeID: "node-b", completion: $0) }
        XCTAssertEqual(reaped, ReapedNodes())
        XCTAssertEqual(try command(clientA, ["HLEN", "gl:room:r1:users"]), .integer(2))
        let single: [ReapedLeave]? = try value("reap node") { nodeB.reapNode("node-a", completion: $0) }
        XCTAssertNil(single)
    }

    func testANodeThatLostItsAliveKeyIsReapedByTheOthers() throws {
        let clientA = try makeClient(), clientB = try makeClient()
        try register(clientB, "node-b", ttl: 10_000)
        let nodeA = ClusterPresence(client: clientA, nodeID: "node-a")
        let nodeB = ClusterPresence(client: clientB, nodeID: "node-b")
        // A join puts node-a into gl:nodes even without an alive key, so its entries never leak.
        try join(nodeA, "r1", "alice", "1")
        let reaped: ReapedNodes = try value("reap") { nodeB.reapDeadNodes(selfNodeID: "node-b", completion: $0) }
        XCTAssertEqual(reaped, ReapedNodes(nodes: ["node-a"], leaves: [ReapedLeave(room: "r1", userID: "alice", totalUsers: 0)]))
        XCTAssertEqual(try command(clientB, ["EXISTS", "gl:room:r1:users", "gl:room:r1:info"]), .integer(0))
    }
}
