import GridlineCluster
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

final class NodeLivenessTests: RedisTestCase {
    private func register(_ liveness: NodeLiveness, _ node: String, _ incarnation: String, ttl: Int = 5_000) throws -> Bool {
        try value("register") { liveness.register(nodeID: node, incarnation: incarnation, ttlMilliseconds: ttl, completion: $0) }
    }

    func testSecondProcessWithALiveNodeIDIsRefused() throws {
        let first = NodeLiveness(client: try makeClient())
        let second = NodeLiveness(client: try makeClient())
        XCTAssertTrue(try register(first, "node-a", "inc-1"))
        XCTAssertFalse(try register(second, "node-a", "inc-2"))
        XCTAssertEqual(try command(first.client, ["GET", "gl:node:node-a"]).string, "inc-1")
        XCTAssertEqual(sortedStrings(try command(first.client, ["SMEMBERS", "gl:nodes"])), ["node-a"])
    }

    func testRegisteringAgainWithTheSameIncarnationSucceedsAndSetsTheTTL() throws {
        let liveness = NodeLiveness(client: try makeClient())
        XCTAssertTrue(try register(liveness, "node-a", "inc-1", ttl: 5_000))
        XCTAssertTrue(try register(liveness, "node-a", "inc-1", ttl: 5_000))
        let ttl = try command(liveness.client, ["PTTL", "gl:node:node-a"]).integer ?? -1
        XCTAssertTrue(ttl > 4_000 && ttl <= 5_000, "PTTL \(ttl)")
    }

    func testNodeIDIsFreeForANewIncarnationOnceTheAliveKeyExpired() throws {
        let liveness = NodeLiveness(client: try makeClient())
        XCTAssertTrue(try register(liveness, "node-a", "inc-1", ttl: 300))
        XCTAssertFalse(try register(liveness, "node-a", "inc-2"))
        usleep(400_000)
        XCTAssertTrue(try register(liveness, "node-a", "inc-2"))
        XCTAssertEqual(try command(liveness.client, ["GET", "gl:node:node-a"]).string, "inc-2")
    }

    func testRenewExtendsOnlyOurOwnAliveKey() throws {
        let liveness = NodeLiveness(client: try makeClient())
        XCTAssertTrue(try register(liveness, "node-a", "inc-1", ttl: 300))
        let renewed: Bool = try value("renew") { liveness.renew(nodeID: "node-a", incarnation: "inc-1", ttlMilliseconds: 5_000, completion: $0) }
        XCTAssertTrue(renewed)
        XCTAssertGreaterThan(try command(liveness.client, ["PTTL", "gl:node:node-a"]).integer ?? -1, 4_000)
        let stolen: Bool = try value("renew") { liveness.renew(nodeID: "node-a", incarnation: "inc-9", ttlMilliseconds: 5_000, completion: $0) }
        XCTAssertFalse(stolen)
    }

    func testRenewReportsLossOnceTheAliveKeyExpired() throws {
        let liveness = NodeLiveness(client: try makeClient())
        XCTAssertTrue(try register(liveness, "node-a", "inc-1", ttl: 200))
        usleep(300_000)
        let renewed: Bool = try value("renew") { liveness.renew(nodeID: "node-a", incarnation: "inc-1", ttlMilliseconds: 5_000, completion: $0) }
        XCTAssertFalse(renewed)
        XCTAssertEqual(try command(liveness.client, ["EXISTS", "gl:node:node-a"]), .integer(0))
    }

    func testGracefulUnregisterReleasesPresenceConnectionsAndTheAliveKey() throws {
        let clientA = try makeClient(), clientB = try makeClient()
        let liveness = NodeLiveness(client: clientA)
        let presenceA = ClusterPresence(client: clientA, nodeID: "node-a")
        let presenceB = ClusterPresence(client: clientB, nodeID: "node-b")
        let connections = ClusterConnections(client: clientA)
        XCTAssertTrue(try register(liveness, "node-a", "inc-1"))
        _ = try value("join") { presenceA.join(room: "r1", userID: "alice", connection: "1", presenceJSON: Array("{}".utf8), completion: $0) }
        _ = try value("join") { presenceA.join(room: "r1", userID: "bob", connection: "2", presenceJSON: Array("{}".utf8), completion: $0) }
        _ = try value("join") { presenceB.join(room: "r1", userID: "bob", connection: "7", presenceJSON: Array("{}".utf8), completion: $0) }
        _ = try value("conn") { connections.register(userID: "alice", member: "node-a/1", limit: 5, completion: $0) }

        let unregistration: NodeLiveness.Unregistration = try value("unregister") {
            liveness.unregister(nodeID: "node-a", incarnation: "inc-1", completion: $0)
        }
        XCTAssertTrue(unregistration.released)
        XCTAssertEqual(unregistration.leaves, [ReapedLeave(room: "r1", userID: "alice", totalUsers: 1)])
        XCTAssertEqual(try command(clientA, ["EXISTS", "gl:node:node-a", "gl:node:node-a:entries", "gl:node:node-a:conns",
                                             "gl:user:alice:conns"]), .integer(0))
        XCTAssertEqual(sortedStrings(try command(clientA, ["SMEMBERS", "gl:nodes"])), ["node-b"])
        XCTAssertEqual(try command(clientA, ["HGET", "gl:room:r1:users", "bob"]).integer, 1)
    }

    func testUnregisterLeavesAnotherIncarnationsNodeAlone() throws {
        let client = try makeClient()
        let liveness = NodeLiveness(client: client)
        let presence = ClusterPresence(client: client, nodeID: "node-a")
        XCTAssertTrue(try register(liveness, "node-a", "inc-2"))
        _ = try value("join") { presence.join(room: "r1", userID: "alice", connection: "1", presenceJSON: Array("{}".utf8), completion: $0) }
        let unregistration: NodeLiveness.Unregistration = try value("unregister") {
            liveness.unregister(nodeID: "node-a", incarnation: "inc-1", completion: $0)
        }
        XCTAssertEqual(unregistration, NodeLiveness.Unregistration(released: false, leaves: []))
        XCTAssertEqual(try command(client, ["GET", "gl:node:node-a"]).string, "inc-2")
        XCTAssertEqual(try command(client, ["HGET", "gl:room:r1:users", "alice"]).integer, 1)
    }
}
