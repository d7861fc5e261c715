import Foundation

/// The one thread that writes to the database, with group commit.
///
/// Durability: the connection runs in WAL mode with `PRAGMA synchronous=FULL`, so SQLite
/// fsyncs the WAL at every COMMIT before COMMIT returns. A completion therefore fires only
/// for work that is on stable storage: it survives a process crash (`kill -9`; that
/// would hold even with NORMAL, since committed pages sit in the OS page cache) and also
/// an OS crash or power loss, provided the disk honours fsync. With NORMAL, a power loss
/// could roll back commits already acknowledged to clients — the spec forbids losing
/// acknowledged writes, so NORMAL is not enough.
///
/// FULL is affordable because of group commit: the thread drains every operation queued
/// so far (up to `maxGroupSize`) into one `BEGIN IMMEDIATE … COMMIT`, so one fsync is
/// shared by the whole group. Under load the group grows by itself — the longer an fsync
/// takes, the more work queues behind it for the next one — so throughput scales with
/// concurrency rather than with the disk's fsync rate.
///
/// Each operation runs in its own SAVEPOINT: one that throws rolls back only its own
/// changes and gets `.failure`, the rest of the group is unaffected. Completions run on
/// the writer thread, in submission order, and only after COMMIT returned; if COMMIT
/// fails, every operation of the group gets `.failure`. Completions must be quick and
/// must not block (the server posts them into its event loop).
///
/// Work closures must not BEGIN/COMMIT themselves; they may nest `db.savepoint {}`.
// @unchecked: `database`, `stats` bookkeeping and the maintenance counters are touched
// only by the writer thread; `queue` and `metricsLock` guard what other threads share.
public final class StoreWriter: @unchecked Sendable {
    /// Tuning for the writer thread.
    public struct Options: Sendable {
        /// Most operations committed together; bounds one group's latency.
        public var maxGroupSize: Int
        /// Run `maintenance` after this many commits (0: never).
        public var maintenanceEveryCommits: Int
        /// Housekeeping (history trim) in slices, each in its own transaction. It returns
        /// true when it stopped short; then it also runs whenever no write arrived for
        /// `maintenanceQuietSeconds`, until it is done: a backlog is worked off in quiet
        /// time, not ahead of the writes queued behind it.
        public var maintenance: (@Sendable (Database) throws -> Bool)?
        public var maintenanceQuietSeconds: Double

        public init(
            maxGroupSize: Int = 512, maintenanceEveryCommits: Int = 64,
            maintenance: (@Sendable (Database) throws -> Bool)? = nil, maintenanceQuietSeconds: Double = 0.005
        ) {
            self.maxGroupSize = max(1, maxGroupSize)
            self.maintenanceEveryCommits = maintenanceEveryCommits
            self.maintenance = maintenance
            self.maintenanceQuietSeconds = maintenanceQuietSeconds
        }
    }

    private let database: Database
    private let options: Options
    private let queue = WorkQueue<any WriteOperation>()
    private let exited = DispatchSemaphore(value: 0)
    private let metricsLock = NSLock()
    private var stats = WriterStats()
    private var commitsSinceMaintenance = 0
    /// The last maintenance slice stopped short of the end of its work.
    private var maintenanceBehind = false
    private var groupsBegun: UInt64 = 0
    private var threadID: pthread_t?
    private var shutDown = false

    /// Takes ownership of `database` (opened by the caller, used from now on only by the
    /// writer thread) and starts the thread.
    public init(database: Database, options: Options = Options()) {
        self.database = database
        self.options = options
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "gridline-store-writer"
        thread.start()
    }

    /// Queues `work`; `completion` runs on the writer thread after the group commits.
    /// After `shutdown()` the completion gets `StoreError.closed` at once, on the caller.
    public func submit<R: Sendable>(
        _ work: @escaping @Sendable (Database) throws -> R,
        completion: @escaping @Sendable (Result<R, Error>) -> Void
    ) {
        let operation = WriteOperationBox(work: work, completion: completion)
        if !queue.push(operation) {
            completion(.failure(StoreError.closed))
        }
    }

    /// Runs everything already queued, then closes the connection and ends the thread.
    /// Blocks until then, except when called from the writer thread itself (a
    /// completion), where waiting would deadlock.
    public func shutdown() {
        metricsLock.lock()
        let first = !shutDown
        shutDown = true
        let writer = threadID
        metricsLock.unlock()
        queue.stop()
        guard first else { return }
        if let writer, pthread_equal(writer, pthread_self()) != 0 { return }
        exited.wait()
    }

    /// Figures for `/metrics` and the detailed stats endpoint.
    public func metrics() -> StoreWriterMetrics {
        metricsLock.lock()
        defer { metricsLock.unlock() }
        return stats.snapshot(queueDepth: queue.count)
    }

    // MARK: The writer thread

    private func runLoop() {
        metricsLock.lock()
        threadID = pthread_self()
        metricsLock.unlock()
        pop: while true {
            switch queue.popBatch(max: options.maxGroupSize, quietAfter: maintenanceBehind ? options.maintenanceQuietSeconds : nil) {
            case .batch(let batch):
                runGroup(batch)
                commitsSinceMaintenance += 1
                if options.maintenanceEveryCommits > 0, commitsSinceMaintenance >= options.maintenanceEveryCommits {
                    runMaintenance()
                }
            case .quiet:
                runMaintenance()
            case .stopped:
                break pop
            }
        }
        database.close()
        exited.signal()
    }

    private func runGroup(_ batch: ArraySlice<any WriteOperation>) {
        let started = StoreClock.monotonicNanoseconds()
        var groupError: Error?
        var performed = 0
        var failedOps = 0
        groupsBegun &+= 1
        defer { database.writeGroup = nil }
        do {
            try database.run("BEGIN IMMEDIATE")
            database.writeGroup = groupsBegun
            for operation in batch {
                try database.run("SAVEPOINT op")
                let succeeded = operation.perform(database)
                performed += 1
                guard database.isInTransaction else {
                    // SQLite rolled the whole transaction back on its own (I/O error,
                    // disk full, …): the group's earlier work is gone with it.
                    throw SQLiteError(code: 1, message: "transaction rolled back by SQLite during a write")
                }
                if !succeeded {
                    failedOps += 1
                    try database.run("ROLLBACK TO op")
                }
                try database.run("RELEASE op")
            }
            try database.run("COMMIT")
        } catch {
            groupError = error
            database.rollbackIfOpen()
        }
        let finished = StoreClock.monotonicNanoseconds()
        recordGroup(
            size: batch.count, failedOps: failedOps, committed: groupError == nil,
            seconds: Double(finished &- started) / 1e9)
        for (index, operation) in batch.enumerated() {
            if index < performed {
                operation.deliver(groupError: groupError)
            } else {
                operation.fail(groupError ?? StoreError.closed)
            }
        }
    }

    /// One slice of maintenance (every `maintenanceEveryCommits` commits, and in quiet time
    /// while the last slice stopped short).
    private func runMaintenance() {
        guard let maintenance = options.maintenance else { return }
        commitsSinceMaintenance = 0
        do {
            maintenanceBehind = try database.transaction(.immediate) { try maintenance(database) }
        } catch {
            maintenanceBehind = false
            metricsLock.lock()
            stats.maintenanceFailures += 1
            metricsLock.unlock()
        }
    }

    private func recordGroup(size: Int, failedOps: Int, committed: Bool, seconds: Double) {
        metricsLock.lock()
        stats.record(size: size, failedOps: failedOps, committed: committed, seconds: seconds)
        metricsLock.unlock()
    }
}

/// One queued write, type-erased so differently typed results share the queue.
protocol WriteOperation: Sendable {
    /// Runs the work on the writer thread; false when it threw.
    func perform(_ db: Database) -> Bool
    /// Reports the outcome once the group's COMMIT (or its failure) is known.
    func deliver(groupError: Error?)
    /// Reports a failure for work that never ran.
    func fail(_ error: Error)
}

// @unchecked: built by the submitter, then `result` is touched only by the writer thread.
private final class WriteOperationBox<R: Sendable>: WriteOperation, @unchecked Sendable {
    let work: @Sendable (Database) throws -> R
    let completion: @Sendable (Result<R, Error>) -> Void
    var result: Result<R, Error>?

    init(work: @escaping @Sendable (Database) throws -> R, completion: @escaping @Sendable (Result<R, Error>) -> Void) {
        self.work = work
        self.completion = completion
    }

    func perform(_ db: Database) -> Bool {
        do {
            result = .success(try work(db))
            return true
        } catch {
            result = .failure(error)
            return false
        }
    }

    func deliver(groupError: Error?) {
        switch (result, groupError) {
        case (.failure(let own)?, _):
            // Its own failure is the truer story: nothing of it was written either way.
            completion(.failure(own))
        case (_, let groupError?):
            completion(.failure(groupError))
        case (.success(let value)?, nil):
            completion(.success(value))
        case (nil, nil):
            completion(.failure(StoreError.closed))
        }
    }

    func fail(_ error: Error) {
        completion(.failure(error))
    }
}
