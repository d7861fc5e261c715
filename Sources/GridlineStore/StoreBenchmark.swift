import Foundation

/// Throughput of acknowledged cell updates through `StoreWriter`, for `gridline bench`.
public enum StoreBenchmark {
    /// Runs `updates` compare-and-set cell updates on a fresh sheet in `dataDirectory`'s
    /// database and returns acknowledged updates per second.
    ///
    /// With `groupCommit`, `inFlight` independent chains (one cell each) keep that many
    /// updates queued at once, so the writer commits them in groups. Without it, each
    /// update is submitted only after the previous one was acknowledged: one transaction
    /// (and one fsync) per update.
    public static func cellUpdates(
        dataDirectory: URL, updates: Int, groupCommit: Bool,
        migrationsDirectory: URL = URL(fileURLWithPath: "Migrations"), inFlight: Int = 256
    ) throws -> Double {
        guard updates > 0 else { return 0 }
        let store = try Store.open(
            dataDirectory: dataDirectory, migrationsDirectory: migrationsDirectory, seedDirectory: nil)
        defer { store.shutdown() }
        let sheetId = RandomID.make(prefix: "bench-")
        let ready = BenchmarkRun(total: 0)
        store.writer.submit({ db in
            let now = StoreClock.nowMilliseconds()
            try RoomStore.createRoom(db, id: sheetId, name: "benchmark", now: now)
            try RoomStore.createSheet(db, id: sheetId, roomId: sheetId, name: "benchmark", now: now)
        }) { ready.finish($0.map { _ in () }) }
        try ready.wait(seconds: 10)

        let run = BenchmarkRun(total: updates)
        let started = StoreClock.monotonicNanoseconds()
        if groupCommit {
            for chain in 0..<max(1, min(inFlight, updates)) where run.claim() {
                submitChain(store.writer, sheetId: sheetId, cellId: "A\(chain + 1)", expected: 0, run: run,
                            formulas: store.formulas)
            }
            try run.wait(seconds: 300)
        } else {
            for index in 0..<updates {
                let one = BenchmarkRun(total: 1)
                store.writer.submit({ db in
                    try CellStore.applyCellUpdate(
                        db, sheetId: sheetId,
                        write: CellWrite(cellId: "A1", valueJSON: "\(index)", expectedVersion: Int64(index)),
                        userId: "bench", username: "bench", now: StoreClock.nowMilliseconds(), formulas: store.formulas)
                }) { one.finish($0.map { _ in () }) }
                try one.wait(seconds: 10)
            }
        }
        let seconds = Double(StoreClock.monotonicNanoseconds() - started) / 1e9
        return Double(updates) / seconds
    }

    private static func submitChain(
        _ writer: StoreWriter, sheetId: String, cellId: String, expected: Int64, run: BenchmarkRun,
        formulas: FormulaWorkbook
    ) {
        writer.submit({ db in
            try CellStore.applyCellUpdate(
                db, sheetId: sheetId,
                write: CellWrite(cellId: cellId, valueJSON: "\(expected + 1)", expectedVersion: expected),
                userId: "bench", username: "bench", now: StoreClock.nowMilliseconds(), formulas: formulas)
        }) { result in
            guard case .success(.applied(let cell, _)) = result else {
                run.finish(.failure(StoreError.invalid("benchmark update of \(cellId) failed: \(result)")))
                return
            }
            run.acknowledge()
            if run.claim() {
                submitChain(writer, sheetId: sheetId, cellId: cellId, expected: cell.version, run: run, formulas: formulas)
            }
        }
    }
}

/// Counts issued and acknowledged benchmark updates across the submitter and the writer.
// @unchecked: every field is guarded by `lock`.
private final class BenchmarkRun: @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private let total: Int
    private var issued = 0
    private var acknowledged = 0
    private var failure: Error?
    private var signalled = false

    init(total: Int) { self.total = total }

    /// Reserves one more update to issue; false when all are issued.
    func claim() -> Bool {
        lock.withLock {
            guard issued < total, failure == nil else { return false }
            issued += 1
            return true
        }
    }

    func acknowledge() {
        let finished = lock.withLock { () -> Bool in
            acknowledged += 1
            return acknowledged == total && markSignalled()
        }
        if finished { done.signal() }
    }

    func finish(_ result: Result<Void, Error>) {
        let signal = lock.withLock { () -> Bool in
            if case .failure(let error) = result, failure == nil { failure = error }
            return markSignalled()
        }
        if signal { done.signal() }
    }

    func wait(seconds: Double) throws {
        guard done.wait(timeout: .now() + seconds) == .success else {
            throw StoreError.invalid("benchmark timed out after \(seconds) s")
        }
        if let failure = lock.withLock({ failure }) { throw failure }
    }

    private func markSignalled() -> Bool {
        if signalled { return false }
        signalled = true
        return true
    }
}
