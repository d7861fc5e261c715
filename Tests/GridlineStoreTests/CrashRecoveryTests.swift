import Foundation
import XCTest

@testable import GridlineStore

/// `kill -9` at random moments loses no acknowledged write and leaves no gap.
///
/// The parent re-executes this very test binary running only `testCrashChild…`, which
/// does work only when `GRIDLINE_CRASH_CHILD_DIR` is set: it writes through the
/// `StoreWriter` and prints one `ACK cell version seq` line per completion. The parent
/// kills it with SIGKILL and checks the database against every line it saw.
final class CrashRecoveryTests: XCTestCase {
    static let childDirectoryVariable = "GRIDLINE_CRASH_CHILD_DIR"
    static let childTest = "GridlineStoreTests.CrashRecoveryTests/testCrashChildWritesUntilKilled"
    static let sheetId = "crash-sheet"
    static let cells = (1...16).map { "A\($0)" }

    private static let options: Store.Options = {
        var options = Store.Options()
        options.trimEveryCommits = 0  // the checks below need the whole history
        return options
    }()

    // MARK: Parent

    func testAcknowledgedWritesSurviveKillNine() throws {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let directory = try makeTemporaryDirectory(self)
        let setup = try Store.open(
            dataDirectory: directory, migrationsDirectory: Repository.migrations, seedDirectory: nil,
            options: Self.options)
        let created = DispatchSemaphore(value: 0)
        setup.writer.submit({ db in
            try RoomStore.createRoom(db, id: "crash", name: "crash", now: 1)
            try RoomStore.createSheet(db, id: Self.sheetId, roomId: "crash", name: "crash", now: 1)
        }) { _ in created.signal() }
        created.wait()
        setup.shutdown()

        var acknowledged: [Acknowledgement] = []
        for round in 1...5 {
            let lines = try runChildAndKill(executable: executable, directory: directory, round: round)
            acknowledged += lines
            try verify(directory: directory, acknowledged: acknowledged)
        }
        XCTAssertGreaterThan(acknowledged.count, 0, "the children acknowledged nothing")
    }

    /// Starts the child, waits for its first acknowledgement, kills it at a random
    /// moment within ~1.5 s and returns the acknowledgements it printed.
    private func runChildAndKill(executable: String, directory: URL, round: Int) throws -> [Acknowledgement] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [Self.childTest]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childDirectoryVariable] = directory.path
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output = Collector<Data>()
        let drained = DispatchSemaphore(value: 0)
        try process.run()
        Thread.detachNewThread {
            while true {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                output.append(chunk)
            }
            drained.signal()
        }
        let firstAckDeadline = Date().addingTimeInterval(20)
        while Date() < firstAckDeadline, process.isRunning,
            !String(decoding: output.values.reduce(Data(), +), as: UTF8.self).contains("ACK ")
        {
            usleep(10_000)
        }
        Thread.sleep(forTimeInterval: Double.random(in: 0...1.5))
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(drained.wait(timeout: .now() + 10), .success)
        let text = String(decoding: output.values.reduce(Data(), +), as: UTF8.self)
        XCTAssertFalse(text.contains("CHILD-ERROR"), "round \(round): \(text.suffix(2000))")
        let acks = text.split(separator: "\n").compactMap(Acknowledgement.init)
        if !wasRunning {
            // Finished on its own before the kill: still a valid round, just not a crash.
            print("crash round \(round): child exited before the kill with \(acks.count) acks")
        } else {
            print("crash round \(round): killed after \(acks.count) acks")
        }
        return acks
    }

    private func verify(directory: URL, acknowledged: [Acknowledgement]) throws {
        // Read-write, so SQLite can recover the WAL the killed writer left behind.
        let db = try Store.openConnection(
            path: directory.appendingPathComponent(Store.databaseFileName).path, readOnly: false)
        defer { db.close() }
        XCTAssertEqual(try db.queryFirst("PRAGMA integrity_check") { $0.string(0) }, "ok")

        let sheetSeq = try XCTUnwrap(RoomStore.sheet(db, id: Self.sheetId)).seq
        let span = try XCTUnwrap(
            db.queryFirst("SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM \(historyOfSheet)",
                [.text(Self.sheetId)]) { ($0.int64(0), $0.int64(1), $0.int64(2)) })
        XCTAssertEqual(span.2, sheetSeq, "sheet seq must equal the newest history seq")
        XCTAssertEqual(span.0, sheetSeq, "history seqs must be 1…seq without gaps")
        if sheetSeq > 0 { XCTAssertEqual(span.1, 1) }

        let perCell = try db.query(
            """
            SELECT h.cell_id, count(*), min(h.version), max(h.version), c.version
            FROM \(historyOfSheet) h JOIN cells c
                ON c.id >> 39 = (SELECT key FROM sheets WHERE id = ?1) AND c.cell_id = h.cell_id
            GROUP BY h.cell_id
            """,
            [.text(Self.sheetId)]
        ) { ($0.string(0), $0.int64(1), $0.int64(2), $0.int64(3), $0.int64(4)) }
        for (cell, count, low, high, stored) in perCell {
            XCTAssertEqual(low, 1, cell)
            XCTAssertEqual(high, count, "versions of \(cell) must be 1…n without gaps")
            XCTAssertEqual(stored, high, "\(cell) must hold its newest version")
        }

        let stored = try db.query(
            "SELECT seq, cell_id, version FROM \(historyOfSheet)", [.text(Self.sheetId)]
        ) { ($0.int64(0), Acknowledgement(cell: $0.string(1), version: $0.int64(2), seq: $0.int64(0))) }
        let bySeq = Dictionary(uniqueKeysWithValues: stored)
        var missing = 0
        for ack in acknowledged where bySeq[ack.seq] != ack {
            missing += 1
        }
        XCTAssertEqual(missing, 0, "acknowledged writes lost or altered")
    }

    // MARK: Child

    func testCrashChildWritesUntilKilled() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childDirectoryVariable] else { return }
        let store = try Store.open(
            dataDirectory: URL(fileURLWithPath: path), migrationsDirectory: Repository.migrations,
            seedDirectory: nil, options: Self.options)
        let versions = Collector<[String: Int64]>()
        let loaded = DispatchSemaphore(value: 0)
        store.writer.submit({ db in
            try Self.cells.reduce(into: [String: Int64]()) { result, cell in
                result[cell] = try CellStore.cell(db, sheetId: Self.sheetId, cellId: cell).version
            }
        }) { result in
            if case .success(let map) = result { versions.append(map) }
            loaded.signal()
        }
        loaded.wait()
        let start = try XCTUnwrap(versions.values.first)
        let chains = DispatchGroup()
        let deadline = DispatchTime.now() + 3
        for cell in Self.cells {
            chains.enter()
            Self.writeChain(store.writer, cell: cell, expected: start[cell] ?? 0, remaining: 20_000, deadline: deadline) {
                chains.leave()
            }
        }
        XCTAssertEqual(chains.wait(timeout: .now() + 10), .success)
        store.shutdown()
    }

    /// One cell's chain of compare-and-set updates, each issued after the previous one
    /// was acknowledged — the acknowledgement is printed first.
    private static func writeChain(
        _ writer: StoreWriter, cell: String, expected: Int64, remaining: Int, deadline: DispatchTime,
        finished: @escaping @Sendable () -> Void
    ) {
        guard remaining > 0, DispatchTime.now() < deadline else { return finished() }
        writer.submit({ db in
            try CellStore.applyCellUpdate(
                db, sheetId: sheetId, write: CellWrite(cellId: cell, valueJSON: "\(expected + 1)", expectedVersion: expected),
                userId: "crash", username: "crash", now: StoreClock.nowMilliseconds(), formulas: FormulaWorkbook())
        }) { result in
            guard case .success(.applied(let applied, _)) = result else {
                printLine("CHILD-ERROR \(cell) \(result)")
                return finished()
            }
            printLine("ACK \(cell) \(applied.version) \(applied.seq)")
            writeChain(writer, cell: cell, expected: applied.version, remaining: remaining - 1, deadline: deadline, finished: finished)
        }
    }

    /// One write(2) per line: unbuffered, so a line printed is a line the parent can read
    /// even if the process dies the next instant.
    private static func printLine(_ text: String) {
        FileHandle.standardOutput.write(Data(("\n" + text + "\n").utf8))
    }
}

/// One acknowledged write as printed by the child.
struct Acknowledgement: Equatable {
    let cell: String
    let version: Int64
    let seq: Int64

    init(cell: String, version: Int64, seq: Int64) {
        self.cell = cell
        self.version = version
        self.seq = seq
    }

    /// Parses "ACK cell version seq" (anything before "ACK " on the line is XCTest's).
    init?(_ line: Substring) {
        guard let range = line.range(of: "ACK ") else { return nil }
        let fields = line[range.upperBound...].split(separator: " ")
        guard fields.count == 3, let version = Int64(fields[1]), let seq = Int64(fields[2]) else { return nil }
        self.init(cell: String(fields[0]), version: version, seq: seq)
    }
}
