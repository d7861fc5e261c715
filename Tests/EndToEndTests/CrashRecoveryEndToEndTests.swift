import Foundation
import XCTest

/// SPEC §10: no acknowledged write is lost on `kill -9`. Several rounds of concurrent writers,
/// a SIGKILL at a random moment, a restart on the same data directory, and an audit of the
/// snapshot, the replayed history and the SQLite file itself.
final class CrashRecoveryEndToEndTests: XCTestCase {
    private static let environment = [
        "WEBSOCKET_REQUESTS_PER_MINUTE": "10000000", "WEBSOCKET_REQUESTS_PER_HOUR": "100000000",
        "WEBSOCKET_CONNECT_RATE": "100000",
    ]
    private static let writers = 4
    private static let rounds = 4
    /// Bounds each writer per round so one round's replay stays small (see the audit) and the
    /// whole history inside the server's retention (10,000 rows). With the pause between writes
    /// a writer does far fewer than this in 1.5 s, so the SIGKILL lands while writes are in flight.
    private static let maxWritesPerRound = 600
    private static let pauseBetweenWrites: useconds_t = 2_000

    func testAcknowledgedUpdatesSurviveRepeatedSIGKILLWithGapFreeHistory() throws {
        let dataDirectory = NSTemporaryDirectory() + "gridline-crash-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        var server = try ServerProcess(environment: Self.environment, dataDirectory: dataDirectory)
        defer { server.stop() }
        var acknowledged: [Acknowledgement] = []
        var interruptedWriters = 0
        var audited = AuditedState()
        for round in 1...Self.rounds {
            let recorder = WriteRecorder()
            let ready = DispatchSemaphore(value: 0)
            let finished = DispatchGroup()
            let port = server.port
            for writer in 0..<Self.writers {
                finished.enter()
                Thread.detachNewThread {
                    Self.write(round: round, writer: writer, port: port, recorder: recorder, ready: ready)
                    finished.leave()
                }
            }
            for _ in 0..<Self.writers { XCTAssertEqual(ready.wait(timeout: .now() + 10), .success, "writers joined") }
            let delay = Double.random(in: 0.2...1.5)
            Thread.sleep(forTimeInterval: delay)
            server.kill9()
            XCTAssertEqual(finished.wait(timeout: .now() + 15), .success, "writers notice the dead server")
            let acks = recorder.acknowledgements
            print("round \(round): SIGKILL after \(String(format: "%.2f", delay)) s, \(acks.count) acknowledged updates,"
                  + " \(recorder.interruptedWriters) writers cut off mid-request")
            interruptedWriters += recorder.interruptedWriters
            for problem in recorder.problems { XCTFail("round \(round): \(problem)") }
            acknowledged += acks
            try assertDatabaseFileIsIntact(dataDirectory, round: round)

            server = try ServerProcess(environment: Self.environment, dataDirectory: dataDirectory)
            audited = try audit(port: server.port, acknowledged: acknowledged, since: audited, round: round)
        }
        XCTAssertGreaterThan(acknowledged.count, 0, "the writers got some updates acknowledged")
        XCTAssertGreaterThan(interruptedWriters, 0, "the SIGKILL hit writes in flight")
        XCTAssertEqual(server.stop(), 0, "a clean shutdown after the last audit")
        try assertDatabaseFileIsIntact(dataDirectory, round: Self.rounds + 1)
    }

    /// Recovery is `join_room` + `sync` (SPEC §10); the server replays up to 10,000 updates, so a
    /// client that reads normally must get all of them rather than be dropped for the burst.
    func testSyncReplayingSeveralThousandUpdatesReachesAClientThatReads() throws {
        let server = try ServerProcess(environment: Self.environment)
        defer { server.stop() }
        let writer = try TestClient(port: server.port, token: Tokens.make(user: "paster"))
        XCTAssertNotNil(writer.expect("connection_established"))
        writer.send(["type": "join_room", "room_id": "demo"])
        XCTAssertNotNil(writer.expect("room_state"))
        for batch in 0..<6 {
            let updates = (1...1000).map { ["cell_id": "Q\($0)", "value": "batch \(batch) row \($0)"] as [String: Any] }
            writer.send(["type": "cells_update", "sheet_id": "demo-sheet", "updates": updates, "request_id": "b\(batch)"])
            XCTAssertEqual(writer.expect("cells_updated", timeout: 10)?["request_id"] as? String, "b\(batch)")
        }
        let reader = try TestClient(port: server.port, token: Tokens.make(user: "latecomer"))
        XCTAssertNotNil(reader.expect("connection_established"))
        reader.send(["type": "join_room", "room_id": "demo"])
        XCTAssertNotNil(reader.expect("room_state"))
        reader.send(["type": "sync", "sheet_id": "demo-sheet", "since_seq": 0, "request_id": "catch-up"])
        var replayed = 0
        var complete: [String: Any]?
        let deadline = Date().addingTimeInterval(30)
        while complete == nil, deadline.timeIntervalSinceNow > 0,
              let message = reader.nextMessage(timeout: deadline.timeIntervalSinceNow) {
            switch message["type"] as? String {
            case "cell_updated": replayed += 1
            case "sync_complete": complete = message
            default: continue
            }
        }
        let closed = reader.closeCode.map { "connection closed \($0) \"\(reader.closeReason)\"" } ?? "still open"
        XCTAssertEqual(replayed, 6020, "every update replayed; \(closed)")
        XCTAssertEqual(complete?["seq"] as? Int, 6020, closed)
        XCTAssertNil(reader.closeCode, "a client reading its sync is not a slow consumer")
    }

    // MARK: Writers

    /// One writer: joins, reads its cells' versions, then writes them in turn with the version it
    /// last saw, one request in flight, until the server dies or the bound is reached.
    private static func write(round: Int, writer: Int, port: UInt16, recorder: WriteRecorder, ready: DispatchSemaphore) {
        var signalled = false
        defer { if !signalled { ready.signal() } }
        guard let client = try? TestClient(port: port, token: Tokens.make(user: "crash-writer-\(writer)")) else {
            recorder.problem("writer \(writer) could not connect")
            return
        }
        // Closed by deinit only: an explicit close() too would close the descriptor twice while
        // other threads open sockets.
        guard next(client, where: { $0["type"] as? String == "connection_established" }) != nil else {
            recorder.problem("writer \(writer): no connection_established")
            return
        }
        client.send(["type": "join_room", "room_id": "demo", "request_id": "join"])
        guard next(client, where: { $0["type"] as? String == "room_state" }) != nil else {
            recorder.problem("writer \(writer): no room_state")
            return
        }
        client.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet", "request_id": "snap"])
        guard let state = next(client, where: { $0["type"] as? String == "sheet_state" }) else {
            recorder.problem("writer \(writer): no sheet_state")
            return
        }
        let column = ["H", "I", "J", "K", "L", "M", "N", "O"][writer]
        let cells = (1...6).map { "\(column)\($0)" }
        var versions: [String: Int] = [:]
        for cell in state["cells"] as? [[String: Any]] ?? [] {
            if let id = cell["cell_id"] as? String, cells.contains(id) { versions[id] = cell["version"] as? Int ?? 0 }
        }
        var lastSeq = state["seq"] as? Int ?? 0
        ready.signal()
        signalled = true
        for n in 0..<maxWritesPerRound {
            let cell = cells[n % cells.count]
            let version = versions[cell] ?? 0
            let value = "r\(round)-w\(writer)-n\(n)"
            client.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": cell, "value": value,
                         "version": version, "request_id": value])
            // Every cell event this connection hears must come in seq order (SPEC §6).
            let reply = next(client, where: { message in
                if message["type"] as? String == "cell_updated", let seq = message["seq"] as? Int {
                    if seq <= lastSeq { recorder.problem("writer \(writer) heard seq \(seq) after \(lastSeq)") }
                    lastSeq = max(lastSeq, seq)
                }
                return message["request_id"] as? String == value
            })
            guard let reply else {  // the server is gone with this write in flight
                recorder.interrupted()
                return
            }
            guard reply["type"] as? String == "cell_updated" else {
                recorder.problem("writer \(writer): \(value) refused: \(reply)")
                return
            }
            guard let acknowledgedVersion = reply["version"] as? Int, let seq = reply["seq"] as? Int,
                  reply["value"] as? String == value, reply["cell_id"] as? String == cell else {
                recorder.problem("writer \(writer): malformed acknowledgement \(reply)")
                return
            }
            if acknowledgedVersion != version + 1 {
                recorder.problem("writer \(writer): \(cell) went from \(version) to \(acknowledgedVersion)")
            }
            versions[cell] = acknowledgedVersion
            recorder.record(Acknowledgement(cell: cell, value: value, version: acknowledgedVersion, seq: seq))
            usleep(pauseBetweenWrites)
        }
    }

    /// The next message satisfying `match` within 5 s, or nil when the socket ends first.
    private static func next(_ client: TestClient, where match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(5)
        while deadline.timeIntervalSinceNow > 0 {
            guard let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if match(message) { return message }
        }
        return nil
    }

    // MARK: Audit

    /// What the previous audit established: the sheet's seq and every cell's version.
    private struct AuditedState {
        var seq = 0
        var versions: [String: Int] = [:]
    }

    /// Joins the restarted server, takes a snapshot and replays with `sync` everything after the
    /// previous audit, checking both against every update acknowledged so far. (One round at a
    /// time: a replay of the whole history trips the send-buffer cap, see the test above.)
    private func audit(port: UInt16, acknowledged: [Acknowledgement], since previous: AuditedState,
                       round: Int) throws -> AuditedState {
        let auditor = try TestClient(port: port, token: Tokens.make(user: "auditor"))
        XCTAssertNotNil(auditor.expect("connection_established"))
        auditor.send(["type": "join_room", "room_id": "demo"])
        XCTAssertNotNil(auditor.expect("room_state"))
        auditor.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet", "request_id": "audit-snap"])
        let state = try XCTUnwrap(auditor.expect("sheet_state"), "round \(round)")
        let snapshotSeq = try XCTUnwrap(state["seq"] as? Int)
        let sync = auditor.syncReplay(since: previous.seq, requestID: "audit-sync")
        if sync.fellBackToSnapshot {
            XCTFail("round \(round): sync from \(previous.seq) fell back to a snapshot; history was lost")
            return previous
        }
        let replay = sync.updates
        let complete = sync.complete
        let closed = auditor.closeCode.map { " (connection closed \($0) \"\(auditor.closeReason)\")" } ?? ""
        let finalSeq = try XCTUnwrap(complete?["seq"] as? Int,
                                     "round \(round): no sync_complete after \(replay.count) replayed updates\(closed)")

        // Seqs of the replay are contiguous from the previous audit to N, and N is the sheet's seq.
        let seqs = replay.compactMap { $0["seq"] as? Int }
        XCTAssertEqual(seqs.count, replay.count, "round \(round): every replayed update has a seq")
        XCTAssertGreaterThanOrEqual(finalSeq, max(previous.seq, 20), "round \(round): the sheet's seq never goes back")
        let expectedSeqs = finalSeq > previous.seq ? Array((previous.seq + 1)...finalSeq) : []
        XCTAssertEqual(seqs, expectedSeqs, "round \(round): replay seqs \(previous.seq + 1)…\(finalSeq)")
        XCTAssertEqual(snapshotSeq, finalSeq, "round \(round): sheet seq equals the last replayed seq")

        // Versions per cell go up by exactly one from what the previous audit saw.
        var versions = previous.versions
        var lastValues: [String: Any] = [:]
        var bySeq: [Int: [String: Any]] = [:]
        for entry in replay {
            guard let cell = entry["cell_id"] as? String, let version = entry["version"] as? Int else {
                XCTFail("round \(round): malformed replay entry \(entry)")
                continue
            }
            let expected = (versions[cell] ?? 0) + 1
            XCTAssertEqual(version, expected, "round \(round): \(cell) replays version \(version) after \(expected - 1)")
            versions[cell] = version
            lastValues[cell] = entry["value"] ?? NSNull()
            if let seq = entry["seq"] as? Int { bySeq[seq] = entry }
        }

        // Every acknowledged update after the previous audit is in the replay at its seq, with
        // its cell, version and value (earlier ones were checked by earlier audits).
        var lost: [Acknowledgement] = []
        for ack in acknowledged where ack.seq > previous.seq {
            guard let entry = bySeq[ack.seq], entry["cell_id"] as? String == ack.cell,
                  entry["version"] as? Int == ack.version, entry["value"] as? String == ack.value else {
                lost.append(ack)
                continue
            }
        }
        XCTAssertTrue(lost.isEmpty, "round \(round): \(lost.count) acknowledged updates missing or altered, e.g. \(lost.prefix(5))")

        // The snapshot holds each cell at its last version and value, never below an ack.
        var snapshot: [String: [String: Any]] = [:]
        for cell in state["cells"] as? [[String: Any]] ?? [] {
            if let id = cell["cell_id"] as? String { snapshot[id] = cell }
        }
        var highest: [String: Acknowledgement] = [:]
        for ack in acknowledged where ack.version > (highest[ack.cell]?.version ?? 0) { highest[ack.cell] = ack }
        for (cell, ack) in highest {
            let stored = try XCTUnwrap(snapshot[cell], "round \(round): \(cell) is missing from the snapshot")
            let version = try XCTUnwrap(stored["version"] as? Int)
            XCTAssertGreaterThanOrEqual(version, ack.version, "round \(round): \(cell) went back below an acknowledged version")
            if version == ack.version {
                XCTAssertEqual(stored["value"] as? String, ack.value, "round \(round): \(cell) at v\(version)")
            }
        }
        XCTAssertEqual(Set(snapshot.keys), Set(versions.keys), "round \(round): snapshot and history name the same cells")
        for (cell, version) in versions {
            XCTAssertEqual(snapshot[cell]?["version"] as? Int, version, "round \(round): snapshot and history agree on \(cell)")
        }
        for (cell, value) in lastValues {
            XCTAssertEqual(snapshot[cell]?["value"].map { "\($0)" }, "\(value)", "round \(round): snapshot and replay agree on \(cell)")
        }
        return AuditedState(seq: finalSeq, versions: versions)
    }

    // MARK: SQLite file

    /// Copies the database and its WAL as the crash left them and runs `PRAGMA integrity_check`
    /// on the copy with the `sqlite3` CLI (skipped when the CLI is missing).
    private func assertDatabaseFileIsIntact(_ dataDirectory: String, round: Int) throws {
        guard let cli = Self.sqliteCLI else { return }
        let copy = NSTemporaryDirectory() + "gridline-crash-copy-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        for suffix in ["", "-wal"] {
            let source = dataDirectory + "/gridline.sqlite" + suffix
            if FileManager.default.fileExists(atPath: source) {
                try FileManager.default.copyItem(atPath: source, toPath: copy + "/gridline.sqlite" + suffix)
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cli)
        process.arguments = [copy + "/gridline.sqlite", "PRAGMA integrity_check;"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(text.trimmingCharacters(in: .whitespacesAndNewlines), "ok", "integrity_check after round \(round)")
    }

    private static var sqliteCLI: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/sqlite3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// One update the server acknowledged to its writer (its own `cell_updated`).
private struct Acknowledgement: Sendable, CustomStringConvertible {
    let cell: String
    let value: String
    let version: Int
    let seq: Int

    var description: String { "\(cell)=\(value) v\(version) seq \(seq)" }
}

/// What the writer threads saw, gathered for the test thread.
private final class WriteRecorder: @unchecked Sendable {  // every field is guarded by `lock`
    private let lock = NSLock()
    private var acks: [Acknowledgement] = []
    private var notes: [String] = []
    private var cutOff = 0

    func record(_ ack: Acknowledgement) {
        lock.lock()
        acks.append(ack)
        lock.unlock()
    }

    func problem(_ text: String) {
        lock.lock()
        notes.append(text)
        lock.unlock()
    }

    func interrupted() {
        lock.lock()
        cutOff += 1
        lock.unlock()
    }

    var interruptedWriters: Int {
        lock.lock()
        defer { lock.unlock() }
        return cutOff
    }

    var acknowledgements: [Acknowledgement] {
        lock.lock()
        defer { lock.unlock() }
        return acks
    }

    var problems: [String] {
        lock.lock()
        defer { lock.unlock() }
        return notes
    }
}
