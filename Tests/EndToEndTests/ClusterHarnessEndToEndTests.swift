import Foundation
import XCTest

/// The cluster harness itself (no cluster behaviour asserted): Redis and three nodes start, every
/// fault the cluster tests inject does what it says, and teardown leaves nothing running.
final class ClusterHarnessEndToEndTests: XCTestCase {
    private var cluster: ClusterHarness?

    override func setUpWithError() throws {
        try ClusterHarness.requireRedis()
        cluster = try ClusterHarness(nodes: 3)
    }

    override func tearDown() {
        cluster?.shutdown()
        cluster = nil
    }

    private func healthStatus(_ port: UInt16, timeout: TimeInterval = 5) -> Int? {
        try? REST.call(port, "GET", "/api/v1/health", timeout: timeout).status
    }

    func testRedisAndThreeNodesOnOneDataDirectoryStartAndServe() throws {
        let cluster = try XCTUnwrap(cluster)
        XCTAssertEqual(try cluster.redis.command(["PING"]), .simple("PONG"))
        XCTAssertEqual(Set(cluster.ports).count, 3, "three nodes on three ports")
        for index in 0..<3 {
            XCTAssertEqual(healthStatus(cluster.port(index)), 200, "node \(index)")
            let env = cluster.nodeEnvironment(index)
            XCTAssertEqual(env["GRIDLINE_NODE_ID"], "node-\(index)")
            XCTAssertEqual(env["REDIS_URL"], "redis://127.0.0.1:\(cluster.redis.port)/0")
            XCTAssertEqual(cluster.node(index).dataDirectory, cluster.dataDirectory)
            let client = try TestClient.joined(port: cluster.port(index), user: "probe-\(index)")
            client.send(["type": "ping"])
            XCTAssertNotNil(client.expect("pong"))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: cluster.dataDirectory))
    }

    func testNodesAreKilledStoppedPausedAndRestartedOnTheirPorts() throws {
        let cluster = try XCTUnwrap(cluster)
        let ports = cluster.ports
        cluster.kill9(1)
        XCTAssertFalse(cluster.node(1).process.isRunning)
        XCTAssertNil(healthStatus(ports[1], timeout: 1), "a killed node does not answer")
        try cluster.restart(1)
        XCTAssertEqual(cluster.port(1), ports[1])
        XCTAssertEqual(healthStatus(ports[1]), 200)

        XCTAssertEqual(cluster.stop(2), 0, "graceful stop exits 0")
        try cluster.restart(2)
        XCTAssertEqual(healthStatus(cluster.port(2)), 200)

        cluster.pause(0)
        XCTAssertNil(healthStatus(ports[0], timeout: 1), "a paused node does not answer")
        cluster.resume(0)
        XCTAssertEqual(healthStatus(ports[0]), 200, "it answers again after SIGCONT")
        cluster.pause(0)
        XCTAssertEqual(cluster.stop(0, timeout: 10), 0, "stopping a paused node resumes it first")
    }

    func testRedisIsKilledAndRestartedOnTheSamePortAndTakesCommands() throws {
        let cluster = try XCTUnwrap(cluster)
        let port = cluster.redis.port
        XCTAssertEqual(try cluster.redis.command(["SET", "gl:test", "1"]), .simple("OK"))
        cluster.killRedis()
        XCTAssertFalse(cluster.redis.isRunning)
        XCTAssertThrowsError(try cluster.redis.command(["PING"], timeout: 1))
        try cluster.restartRedis()
        XCTAssertEqual(cluster.redis.port, port)
        XCTAssertEqual(try cluster.redis.command(["GET", "gl:test"]), .bulk(nil), "no persistence: Redis comes back empty")
        XCTAssertEqual(try cluster.redis.command(["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1kb 1kb 0"]), .simple("OK"))
        let limits = try cluster.redis.command(["CONFIG", "GET", "client-output-buffer-limit"])
        guard case .array(let pair?) = limits, pair.count == 2 else { return XCTFail("CONFIG GET answered \(limits)") }
        XCTAssertEqual(pair[0], .bulk("client-output-buffer-limit"))
        XCTAssertTrue(pair[1].text?.contains("pubsub 1024 1024 0") == true, "\(pair[1])")
        guard case .integer = try cluster.redis.command(["CLIENT", "KILL", "TYPE", "pubsub"]) else {
            return XCTFail("CLIENT KILL answers the number of clients killed")
        }
        XCTAssertEqual(try cluster.redis.command(["RPUSH", "gl:list", "a", "b"]), .integer(2))
        XCTAssertEqual(try cluster.redis.command(["LRANGE", "gl:list", "0", "-1"]), .array([.bulk("a"), .bulk("b")]))
        if case .error(let text) = try cluster.redis.command(["NOSUCHCOMMAND"]) {
            XCTAssertTrue(text.hasPrefix("ERR"), text)
        } else {
            XCTFail("an unknown command is an error reply")
        }
    }

    func testShutdownStopsEveryProcessAndRemovesTheDataDirectory() throws {
        let cluster = try XCTUnwrap(cluster)
        cluster.pause(2)
        let pids = (0..<3).map { cluster.node($0).pid } + [cluster.redis.pid].compactMap { $0 }
        cluster.shutdown()
        for pid in pids { XCTAssertNotEqual(kill(pid, 0), 0, "pid \(pid) is gone") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.dataDirectory))
        self.cluster = nil
    }
}
