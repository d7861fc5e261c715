import Foundation
import XCTest

/// SPEC §15's bad input, faults that are not failovers, and limits: a node id already in use,
/// forged messages on a node's inbox and room channels, a "Redis" that answers garbage (each
/// ends in a clear error or nothing at all; nothing is applied and every node keeps serving),
/// and a user's write rate counted over every node.
final class ClusterInputEndToEndTests: ClusterTestCase {

    private func sheetSeq(_ port: UInt16) throws -> Int {
        let response = try REST.call(port, "GET", "/api/v1/sheets/demo-sheet")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        return try XCTUnwrap(object["seq"] as? Int)
    }

    func testASecondLiveProcessWithTheSameNodeIDIsRefusedAndTheFirstKeepsServing() throws {
        let cluster = try startCluster(nodes: 2)
        let impostor = try ServerProcess(environment: cluster.nodeEnvironment(0), dataDirectory: cluster.dataDirectory)
        defer { impostor.stop() }
        XCTAssertTrue(impostor.waitForExit(timeout: 20), "the impostor exits once the id stays held past a lease")
        XCTAssertEqual(impostor.process.terminationStatus, 3)
        XCTAssertTrue(impostor.log.contains("node_id_in_use"), impostor.log)
        let health = try REST.call(cluster.port(0), "GET", "/api/v1/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertTrue(String(decoding: health.body, as: UTF8.self).contains("\"redis\":\"ok\""))
    }

    func testForgedForwardsAndEventsOnRedisAreDroppedAndNothingIsApplied() throws {
        let cluster = try startCluster(nodes: 2)
        let owner = try TestClient.joined(port: cluster.port(0), user: "owner")
        owner.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Z1", "value": "real", "request_id": "real"])
        XCTAssertNotNil(owner.expect("cell_updated"))
        let reader = try TestClient.joined(port: cluster.port(1), user: "reader")
        let before = try sheetSeq(cluster.port(1))
        // What a stray client with access to Redis but not the JWT secret could publish: a
        // forward shaped like a real one (no valid MAC), a fake cell event, and raw garbage.
        let forward = #"{"k":"fwdb","from":"node-1","items":[{"key":"x.1","from":"node-1","conn":"1","room":"demo","sheet":"demo-sheet","now":1,"uid":"mallory","uname":"m","role":"admin"}],"l":[31]}[["Z1","\"forged\"",null,null]]"#
        let fakeMAC = String(repeating: "A", count: 32)
        for payload in [fakeMAC + "\u{0}\u{0}\u{0}\u{7f}" + forward, forward, "garbage", ""] {
            for channel in ["gl:inbox:node-0", "gl:inbox:node-1", "gl:cluster"] {
                _ = try cluster.redis.command(["PUBLISH", channel, payload])
            }
            _ = try cluster.redis.command(["SPUBLISH", "gl:room:{demo}", payload])
        }
        XCTAssertTrue(reader.receivesNo("cell_updated", within: 1.5), "no forged event reaches a client")
        XCTAssertEqual(try sheetSeq(cluster.port(1)), before, "nothing was applied")
        // Both nodes still take real writes and forward them.
        reader.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Z2", "value": "after", "request_id": "after"])
        let applied = try XCTUnwrap(reader.expect("cell_updated") { $0["request_id"] as? String == "after" })
        XCTAssertEqual(applied["seq"] as? Int, before + 1)
    }

    func testTheWriteRateLimitCountsAUsersMessagesOnEveryNode() throws {
        let cluster = try startCluster(nodes: 2, ["WEBSOCKET_REQUESTS_PER_MINUTE": "10"])
        // Each tab alone stays under 10 a minute (a join and 4 writes); together they do not.
        let tabs = try (0..<2).map { try TestClient.joined(port: cluster.port($0), user: "hasty") }
        for (index, tab) in tabs.enumerated() {
            for n in 1...4 {
                tab.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Y\(index * 10 + n)", "value": n,
                          "request_id": "w\(index)-\(n)"])
                XCTAssertNotNil(tab.expect("cell_updated") { $0["request_id"] as? String == "w\(index)-\(n)" })
            }
        }
        Thread.sleep(forTimeInterval: 0.5)  // both nodes have added their counts up in Redis
        for (index, tab) in tabs.enumerated() {
            tab.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Y9\(index)", "value": 0, "request_id": "over"])
            let refusal = try XCTUnwrap(tab.expect("error") { $0["request_id"] as? String == "over" }, "tab \(index)")
            XCTAssertEqual(refusal["code"] as? String, "RATE_LIMIT_EXCEEDED")
        }
        // Another user is not affected.
        let calm = try TestClient.joined(port: cluster.port(1), user: "calm")
        calm.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Y99", "value": 1, "request_id": "calm"])
        XCTAssertNotNil(calm.expect("cell_updated") { $0["request_id"] as? String == "calm" })
    }

    func testARedisThatAnswersGarbageLeavesTheNodeServingWithRedisDown() throws {
        let fake = try GarbageRedis()
        defer { fake.stop() }
        let node = try ServerProcess(environment: ["REDIS_URL": "redis://127.0.0.1:\(fake.port)/0", "GRIDLINE_NODE_ID": "lonely"])
        defer { node.stop() }
        Thread.sleep(forTimeInterval: 1)
        let health = try REST.call(node.port, "GET", "/api/v1/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertTrue(String(decoding: health.body, as: UTF8.self).contains("\"redis\":\"down\""),
                      String(decoding: health.body, as: UTF8.self))
        XCTAssertGreaterThan(fake.connections, 1, "the node keeps reconnecting")
        let client = try TestClient.joined(port: node.port, user: "solo")
        client.send(["type": "ping"])
        XCTAssertNotNil(client.expect("pong"))
        XCTAssertTrue(node.process.isRunning)
    }
}

/// A TCP server on loopback that answers every connection with bytes no RESP parser accepts,
/// then closes it. Stopped by the test.
final class GarbageRedis: @unchecked Sendable {  // `accepted` is guarded by `lock`
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var accepted = 0
    private var running = true

    var connections: Int {
        lock.lock()
        defer { lock.unlock() }
        return accepted
    }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw NSError(domain: "GarbageRedis", code: 1) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    private func serve() {
        let garbage = Array("?not resp at all\r\n+OK\r\n:12x\r\n".utf8)
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            lock.lock()
            accepted += 1
            let keepGoing = running
            lock.unlock()
            _ = garbage.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
            if !keepGoing { return }
        }
    }

    func stop() {
        lock.lock()
        running = false
        lock.unlock()
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
