import Foundation

/// A thread with its own read-only connection, for snapshots, history and listings.
///
/// WAL lets it read while the writer writes: each read sees the last commit made before
/// it started. Work runs in submission order; a work closure that needs several queries
/// to agree (a snapshot) wraps them in `db.savepoint {}`, which is one read transaction.
/// Completions run on the reader thread.
// @unchecked: `database` is touched only by the reader thread; `queue` guards the rest.
public final class StoreReader: @unchecked Sendable {
    private let database: Database
    private let queue = WorkQueue<@Sendable (Database) -> Void>()
    private let exited = DispatchSemaphore(value: 0)
    private let stateLock = NSLock()
    private var shutDown = false
    private var threadID: pthread_t?

    /// Takes ownership of `database` and starts the thread.
    public init(database: Database) {
        self.database = database
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "gridline-store-reader"
        thread.start()
    }

    /// Queues `work`; `completion` runs on the reader thread with its result. After
    /// `shutdown()` the completion gets `StoreError.closed` at once, on the caller.
    public func submit<R: Sendable>(
        _ work: @escaping @Sendable (Database) throws -> R,
        completion: @escaping @Sendable (Result<R, Error>) -> Void
    ) {
        let accepted = queue.push { db in
            completion(Result { try work(db) })
        }
        if !accepted { completion(.failure(StoreError.closed)) }
    }

    /// Runs what is queued, then closes the connection. Blocks unless called from the
    /// reader thread itself.
    public func shutdown() {
        stateLock.lock()
        let first = !shutDown
        shutDown = true
        let reader = threadID
        stateLock.unlock()
        queue.stop()
        guard first else { return }
        if let reader, pthread_equal(reader, pthread_self()) != 0 { return }
        exited.wait()
    }

    private func runLoop() {
        stateLock.lock()
        threadID = pthread_self()
        stateLock.unlock()
        while let batch = queue.popBatch(max: 64) {
            for work in batch { work(database) }
        }
        database.close()
        exited.signal()
    }
}
