import GridlineCluster
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

final class ClusterConnectionsTests: RedisTestCase {
    private func register(_ connections: ClusterConnections, _ user: String, _ member: String, limit: Int) throws -> [String] {
        try value("register \(member)") { connections.register(userID: user, member: member, limit: limit, completion: $0) }
    }

    private func list(_ connections: ClusterConnections, _ user: String) throws -> [String] {
        try value("list") { connections.list(userID: user, completion: $0) }
    }

    func testConnectionLimitEvictsTheOldestAcrossTwoNodes() throws {
        let nodeA = ClusterConnections(client: try makeClient())
        let nodeB = ClusterConnections(client: try makeClient())
        XCTAssertEqual(try register(nodeA, "alice", "node-a/1", limit: 3), [])
        XCTAssertEqual(try register(nodeB, "alice", "node-b/1", limit: 3), [])
        XCTAssertEqual(try register(nodeA, "alice", "node-a/2", limit: 3), [])
        XCTAssertEqual(try register(nodeB, "alice", "node-b/2", limit: 3), ["node-a/1"])
        XCTAssertEqual(try register(nodeA, "alice", "node-a/3", limit: 3), ["node-b/1"])
        XCTAssertEqual(try list(nodeA, "alice"), ["node-a/2", "node-b/2", "node-a/3"])
        // The evicted are gone from their nodes' sets too, so reaping will not touch them again.
        XCTAssertEqual(sortedStrings(try command(nodeA.client, ["SMEMBERS", "gl:node:node-a:conns"])),
                       ["alice\nnode-a/2", "alice\nnode-a/3"])
        XCTAssertEqual(sortedStrings(try command(nodeA.client, ["SMEMBERS", "gl:node:node-b:conns"])), ["alice\nnode-b/2"])
        XCTAssertEqual(try list(nodeA, "bob"), [])
    }

    func testLoweredLimitEvictsEverySurplusConnectionOldestFirst() throws {
        let node = ClusterConnections(client: try makeClient())
        for index in 1...4 { XCTAssertEqual(try register(node, "alice", "node-a/\(index)", limit: 10), []) }
        XCTAssertEqual(try register(node, "alice", "node-a/5", limit: 2), ["node-a/1", "node-a/2", "node-a/3"])
        XCTAssertEqual(try list(node, "alice"), ["node-a/4", "node-a/5"])
    }

    func testConnectionsRegisteredInTheSameMillisecondKeepTheirOrder() throws {
        let nodeA = ClusterConnections(client: try makeClient())
        let nodeB = ClusterConnections(client: try makeClient())
        nonisolated(unsafe) var done = 0
        try harness.run {
            // Chained, so the order is defined; all land within a few milliseconds.
            func next(_ index: Int) {
                guard index < 30 else { return }
                let node = index % 2 == 0 ? nodeA : nodeB
                node.register(userID: "alice", member: (index % 2 == 0 ? "node-a/" : "node-b/") + "\(index)", limit: 100) { _ in
                    done += 1
                    next(index + 1)
                }
            }
            next(0)
        }
        harness.wait("30 registers") { done == 30 }
        let expected = (0..<30).map { ($0 % 2 == 0 ? "node-a/" : "node-b/") + "\($0)" }
        XCTAssertEqual(try list(nodeA, "alice"), expected)
        let scores = (try command(nodeA.client, ["ZRANGE", "gl:user:alice:conns", "0", "-1", "WITHSCORES"]).array ?? [])
            .enumerated().filter { $0.offset % 2 == 1 }.compactMap { $0.element.string.flatMap(Double.init) }
        XCTAssertEqual(scores.count, 30)
        XCTAssertEqual(Set(scores).count, 30, "scores are strictly ordered")
        // Score / 1000 is Redis TIME in milliseconds.
        let nowMilliseconds = Double(try command(nodeA.client, ["TIME"]).array?[0].integer ?? 0) * 1000
        XCTAssertLessThan(abs(scores[0] / 1000 - nowMilliseconds), 10_000)
    }

    func testRegisteringAConnectionAgainKeepsItsPlace() throws {
        let node = ClusterConnections(client: try makeClient())
        _ = try register(node, "alice", "node-a/1", limit: 2)
        _ = try register(node, "alice", "node-a/2", limit: 2)
        XCTAssertEqual(try register(node, "alice", "node-a/1", limit: 2), [])
        XCTAssertEqual(try register(node, "alice", "node-a/3", limit: 2), ["node-a/1"])
    }

    func testUnregisterRemovesTheConnectionOnce() throws {
        let node = ClusterConnections(client: try makeClient())
        _ = try register(node, "alice", "node-a/1", limit: 5)
        _ = try register(node, "alice", "node-a/2", limit: 5)
        let removed: Bool = try value("unregister") { node.unregister(userID: "alice", member: "node-a/1", completion: $0) }
        XCTAssertTrue(removed)
        let again: Bool = try value("unregister") { node.unregister(userID: "alice", member: "node-a/1", completion: $0) }
        XCTAssertFalse(again)
        XCTAssertEqual(try list(node, "alice"), ["node-a/2"])
        XCTAssertEqual(sortedStrings(try command(node.client, ["SMEMBERS", "gl:node:node-a:conns"])), ["alice\nnode-a/2"])
    }
}
