import Foundation
import XCTest

/// SPEC §15 "Failure": a three-node cluster under writes while a node is killed, frozen or
/// restarted, and while Redis dies or cuts subscribers. The room's owner is not known in advance:
/// ownership is taken on demand by the first writer, so each test writes first from node 0 and
/// then hurts node 0. Afterwards the sheet's history (sync from 0) and its cells (REST) are
/// audited against every write the clients saw applied.
final class ClusterFailureEndToEndTests: ClusterTestCase {
    /// What SPEC §15 allows, plus half a second for this test's own polling on a busy machine.
    private static let slack: TimeInterval = 0.5

    /// Writes `value` to `cell` from `client` and waits for its reply (cell_updated or error).
    private func write(_ client: TestClient, _ cell: String, _ value: String, version: Int? = nil,
                       timeout: TimeInterval = 10) -> [String: Any]? {
        var message: [String: Any] = ["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": cell, "value": value,
                                      "request_id": value]
        if let version { message["version"] = version }
        client.send(message)
        return client.cellReply(to: value, timeout: timeout)
    }

    /// Makes node 0 the demo room's owner: the first write of the test, from node 0.
    private func claimOwnership(from client: TestClient, cell: String = "K1") throws {
        let ack = try XCTUnwrap(write(client, cell, "claim-\(cell)"), "first write from node 0")
        XCTAssertEqual(ack["type"] as? String, "cell_updated", "\(ack)")
    }

    private func assertWritersClean(_ writers: [ClusterWriter], file: StaticString = #filePath, line: UInt = #line) {
        for writer in writers {
            XCTAssertTrue(writer.problems.isEmpty, "\(writer.label): \(writer.problems.prefix(10))", file: file, line: line)
        }
    }

    // MARK: kill -9

    func testKillingTheOwnerMidStormLosesNoAcknowledgedWriteAndItsRoomsComeBackWithin12Seconds() throws {
        let cluster = try startCluster()
        let watchers = try [1, 2].map { try SeqReader(port: cluster.port($0), user: "watcher-\($0)") }
        defer { watchers.forEach { $0.stop() } }
        let victim = try TestClient.joined(port: cluster.port(0), user: "victim")
        try claimOwnership(from: victim)
        let writers = [
            ClusterWriter(label: "storm-a", ports: [cluster.port(1), cluster.port(2)], cells: ["L1", "L2", "L3", "L4"]),
            ClusterWriter(label: "storm-b", ports: [cluster.port(2), cluster.port(1)], cells: ["M1", "M2", "M3", "M4"]),
        ]
        writers.forEach { $0.start(maxWrites: 1_000, until: Date().addingTimeInterval(40), pause: 0.01) }
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(writers.allSatisfy { !$0.appliedWrites.isEmpty }, "the storm is under way before the kill")
        let killedAt = Date()
        cluster.kill9(0)

        // Its user leaves the room everywhere within 7 s.
        for watcher in watchers {
            XCTAssertTrue(watcher.waitUntil(timeout: 7 + Self.slack) { !$0.heard("user_left", where: { $0["user_id"] as? String == "victim" }).isEmpty },
                          "\(watcher.user) heard victim leave within 7 s")
        }
        // The room takes writes again within 12 s of the kill.
        let backBy = killedAt.addingTimeInterval(12 + Self.slack)
        for writer in writers {
            let resumed = waitUntil(backBy) { writer.appliedWrites.contains { $0.acknowledged && $0.sentAt > killedAt } }
            XCTAssertTrue(resumed, "\(writer.label): a write sent after the kill was acknowledged within 12 s\n" + cluster.logs())
        }
        Thread.sleep(forTimeInterval: 1)
        writers.forEach { $0.stop() }
        for writer in writers { XCTAssertTrue(writer.wait(timeout: 30), "\(writer.label) ended") }
        assertWritersClean(writers)

        let history = try ClusterAudit.history(port: cluster.port(1))
        let cells = try ClusterAudit.cells(port: cluster.port(2))
        ClusterAudit.assertApplied(writers, history: history, cells: cells)
        XCTAssertEqual(history.filter { $0["value"] as? String == "claim-K1" }.count, 1, "node 0's own acked write survived")
        for watcher in watchers {
            XCTAssertEqual(watcher.heard("user_left", where: { $0["user_id"] as? String == "victim" }).count, 1,
                           "\(watcher.user): one user_left")
            let last = history.count
            XCTAssertTrue(watcher.waitUntil(seq: last, timeout: 10), "\(watcher.user) caught up")
            watcher.assertHeardEverySeqOnce(through: last, "across the failover")
        }
        print("kill -9: \(writers.map { "\($0.label) \($0.appliedWrites.count) applied, \($0.refused.count) refusals" })")
        // The failover figures for the notes: first acknowledged write sent after the kill, and
        // each watcher's user_left, as seconds after the kill.
        let resumedAfter = writers.compactMap { writer in
            writer.appliedWrites.filter { $0.acknowledged && $0.sentAt > killedAt }.map(\.appliedAt).min()
        }.map { String(format: "%.2f", $0.timeIntervalSince(killedAt)) }
        let leftAfter = watchers.compactMap { watcher in
            watcher.heard("user_left", where: { $0["user_id"] as? String == "victim" }).first?.at
        }.map { String(format: "%.2f", $0.timeIntervalSince(killedAt)) }
        print("kill -9 failover: writes acknowledged again after \(resumedAfter) s, user_left after \(leftAfter) s")
    }

    // MARK: SIGSTOP

    func testAPausedOwnerThatLostItsLeaseNeverCommitsAfterTheTakeover() throws {
        let cluster = try startCluster()
        let reader = try SeqReader(port: cluster.port(2), user: "reader")
        defer { reader.stop() }
        let early = try TestClient.joined(port: cluster.port(0), user: "early")
        try claimOwnership(from: early, cell: "N1")
        // The owner freezes between transactions. (Frozen inside one it would keep the shared
        // database's write lock, and every node would wait for it to thaw or die: a limit of
        // nodes sharing one SQLite file, see README.) A write sent to it while it is frozen waits
        // in its socket; after the thaw it still believes it owns the room, and only the fence
        // in the database can stop it committing.
        Thread.sleep(forTimeInterval: 0.2)
        cluster.pause(0)
        let pausedAt = Date()
        early.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "N2", "value": "frozen-write",
                    "version": 0, "request_id": "frozen-write"])
        let writer = ClusterWriter(label: "meanwhile", ports: [cluster.port(1)], cells: ["O1", "O2", "O3"])
        writer.start(maxWrites: 2_000, until: pausedAt.addingTimeInterval(30), pause: 0.02)
        Thread.sleep(forTimeInterval: 9)  // longer than the 5 s lease and its 7 s reaping
        let resumedAt = Date()
        cluster.resume(0)
        XCTAssertTrue(writer.appliedWrites.contains { $0.acknowledged && $0.appliedAt < resumedAt },
                      "writes from node 1 succeed while the owner is frozen\n" + cluster.logs())

        let frozenReply = early.cellReply(to: "frozen-write", timeout: 15)
        Thread.sleep(forTimeInterval: 1)
        writer.stop()
        XCTAssertTrue(writer.wait(timeout: 30))
        assertWritersClean([writer])
        // The thawed node takes writes again, through the new owner. (Its clients may have been
        // dropped when it found itself declared dead; a new one is then fine.)
        var thawed = early
        if early.closeCode != nil || early.socket.closedByPeer {
            thawed = try TestClient.joined(port: cluster.port(0), user: "early")
        }
        let after = try XCTUnwrap(write(thawed, "N3", "after-thaw", timeout: 15), "node 0 answers after SIGCONT")
        XCTAssertEqual(after["type"] as? String, "cell_updated", "\(after)")

        let history = try ClusterAudit.history(port: cluster.port(1))
        let frozenInHistory = history.filter { $0["value"] as? String == "frozen-write" }
        switch frozenReply?["type"] as? String {
        case "cell_updated":
            XCTAssertEqual(frozenInHistory.count, 1, "an acknowledged write is in the history once")
            XCTAssertEqual(frozenInHistory.first?["seq"] as? Int, frozenReply?["seq"] as? Int)
        case "error":
            XCTAssertEqual(frozenInHistory.count, 0, "a refused write was never committed: \(frozenInHistory)")
        default:
            XCTAssertLessThanOrEqual(frozenInHistory.count, 1, "unanswered, but never applied twice")
        }
        ClusterAudit.assertApplied([writer], history: history, cells: try ClusterAudit.cells(port: cluster.port(2)))
        XCTAssertTrue(reader.waitUntil(seq: history.count, timeout: 10))
        reader.assertHeardEverySeqOnce(through: history.count, "across the pause")
    }

    // MARK: Redis

    func testRedisKilledAndRestartedRefusesCrossNodeWritesMeanwhileThenRestoresPresenceAndFanOut() throws {
        let cluster = try startCluster()
        let readers = try [1, 2].map { try SeqReader(port: cluster.port($0), user: "reader-\($0)") }
        defer { readers.forEach { $0.stop() } }
        let owner = try TestClient.joined(port: cluster.port(0), user: "owner")
        try claimOwnership(from: owner, cell: "P1")
        let remote = try TestClient.joined(port: cluster.port(1), user: "remote")

        cluster.killRedis()
        let down = waitUntil(Date().addingTimeInterval(5)) {
            (try? REST.call(cluster.port(1), "GET", "/api/v1/health").json?["redis"] as? String) == "down"
        }
        XCTAssertTrue(down, "health says redis down: \(String(describing: try? REST.call(cluster.port(1), "GET", "/api/v1/health").json))")
        let sentAt = Date()
        let refused = write(remote, "P2", "needs-the-owner", timeout: 15)
        XCTAssertEqual(refused?["type"] as? String, "error", "a write that needs node 0 is refused, not hung: \(String(describing: refused))")
        XCTAssertLessThanOrEqual(Date().timeIntervalSince(sentAt), 15)
        // The owner may or may not take local writes without Redis; either way nothing hangs.
        let local = write(owner, "P3", "local-while-down", timeout: 15)
        XCTAssertNotNil(local, "the owner answers a local write while Redis is down")

        try cluster.restartRedis()
        for index in 0..<3 {
            let ok = waitUntil(Date().addingTimeInterval(10)) {
                (try? REST.call(cluster.port(index), "GET", "/api/v1/health").json?["redis"] as? String) == "ok"
            }
            XCTAssertTrue(ok, "node \(index) reconnected to Redis")
        }
        // Presence restored: a newcomer on node 2 sees everyone, and node 1 hears it join.
        let newcomer = try TestClient.joined(port: cluster.port(2), user: "newcomer")
        defer { newcomer.close() }
        let state = try XCTUnwrap(ClusterAudit.roomUsers(port: cluster.port(2), user: "late-look"))
        for user in ["owner", "remote", "reader-1", "reader-2", "newcomer"] {
            XCTAssertTrue(state.contains(user), "\(user) is present again after the restart: \(state)")
        }
        XCTAssertTrue(readers[0].waitUntil(timeout: 10) { !$0.heard("user_joined", where: { ($0["user"] as? [String: Any])?["user_id"] as? String == "newcomer" }).isEmpty },
                      "node 1 hears a join on node 2 after the restart")
        // Fan-out again: a write after the restart, and every seq reaches both readers.
        var last = 0
        let deadline = Date().addingTimeInterval(15)
        var attempt = 0
        while last == 0, Date() < deadline {
            attempt += 1
            if let ack = write(owner, "P4", "after-restart-\(attempt)", timeout: 5), ack["type"] as? String == "cell_updated" {
                last = ack["seq"] as? Int ?? 0
            }
        }
        XCTAssertGreaterThan(last, 0, "writes are taken after Redis is back")
        for reader in readers {
            XCTAssertTrue(reader.waitUntil(seq: last, timeout: 15), "\(reader.user) caught up to \(last): \(reader.seqs)")
            reader.assertHeardEverySeqOnce(through: last, "across the Redis restart")
        }
        _ = try ClusterAudit.history(port: cluster.port(2))
    }

    func testSubscribersCutByRedisDuringABurstStillHearEverySeqOnce() throws {
        let cluster = try startCluster()
        let readers = try [1, 2].map { try SeqReader(port: cluster.port($0), user: "reader-\($0)") }
        defer { readers.forEach { $0.stop() } }
        let owner = try TestClient.joined(port: cluster.port(0), user: "owner")
        try claimOwnership(from: owner, cell: "Q1")
        let writer = ClusterWriter(label: "burst", ports: [cluster.port(0)], cells: (1...5).map { "R\($0)" })
        writer.start(maxWrites: 400, until: Date().addingTimeInterval(20), pause: 0)
        Thread.sleep(forTimeInterval: 0.3)
        let killed = try cluster.redis.command(["CLIENT", "KILL", "TYPE", "pubsub"])
        if case .integer(let count) = killed {
            XCTAssertGreaterThan(count, 0, "the nodes' subscriber connections were cut")
        } else {
            XCTFail("CLIENT KILL answered \(killed)")
        }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try cluster.redis.command(["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1kb 1kb 0"]), .simple("OK"))
        Thread.sleep(forTimeInterval: 0.8)
        XCTAssertEqual(try cluster.redis.command(["CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"]), .simple("OK"))
        XCTAssertTrue(writer.wait(timeout: 40), "the burst ended")
        assertWritersClean([writer])
        let history = try ClusterAudit.history(port: cluster.port(0))
        ClusterAudit.assertApplied([writer], history: history, cells: try ClusterAudit.cells(port: cluster.port(1)))
        for reader in readers {
            XCTAssertTrue(reader.waitUntil(seq: history.count, timeout: 15), "\(reader.user) caught up to \(history.count)")
            reader.assertHeardEverySeqOnce(through: history.count, "after its subscription was cut")
        }
    }

    // MARK: Rolling restart

    func testARollingRestartUnderLightWritesOnlyMakesClientsReconnect() throws {
        let cluster = try startCluster()
        let ports = cluster.ports
        let writers = (0..<3).map { index in
            ClusterWriter(label: "roll-\(index)", ports: (0..<3).map { ports[(index + $0) % 3] },
                          cells: ["T\(index + 1)", "U\(index + 1)"])
        }
        writers.forEach { $0.start(maxWrites: 5_000, until: Date().addingTimeInterval(60), pause: 0.05) }
        Thread.sleep(forTimeInterval: 1)
        for index in 0..<3 {
            XCTAssertEqual(cluster.stop(index, timeout: 10), 0, "node \(index) shuts down gracefully\n" + cluster.logs())
            try cluster.restart(index)
            XCTAssertEqual(cluster.port(index), ports[index], "restarted on its port")
            Thread.sleep(forTimeInterval: 1)
        }
        writers.forEach { $0.stop() }
        for writer in writers { XCTAssertTrue(writer.wait(timeout: 30), "\(writer.label) ended") }
        assertWritersClean(writers)
        for writer in writers {
            XCTAssertTrue(writer.refused.isEmpty, "\(writer.label) only reconnects, no write is refused: \(writer.refused.prefix(5))")
            XCTAssertGreaterThanOrEqual(writer.reconnectCount, 2, "\(writer.label) lost its node once and reconnected")
            XCTAssertGreaterThan(writer.appliedWrites.count, 20)
        }
        let history = try ClusterAudit.history(port: cluster.port(0))
        ClusterAudit.assertApplied(writers, history: history, cells: try ClusterAudit.cells(port: cluster.port(1)))
    }

    private func waitUntil(_ deadline: Date, _ condition: () -> Bool) -> Bool {
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }
}
