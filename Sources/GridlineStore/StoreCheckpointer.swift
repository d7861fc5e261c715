import CGridlineSystem
import Foundation

/// Copies the WAL back into the database file on a thread and connection of its own.
///
/// Why: SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1,000
/// pages, so one write in every few dozen waited for a thousand page copies and an fsync of
/// the database file (range edits' p99 sat near 13 ms for it). Here the writer's WAL hook,
/// which replaces the automatic checkpoint, only wakes this thread; its PASSIVE checkpoint
/// never holds the write lock, so commits go on while it copies.
// @unchecked: `database` is touched only by the checkpointer thread; `condition` guards the rest.
final class StoreCheckpointer: @unchecked Sendable {
    /// WAL pages after which a checkpoint is due (SQLite's own default).
    static let pagesPerCheckpoint: Int32 = 1_000

    private let database: Database
    private let condition = NSCondition()
    private var due = false
    private var stopped = false
    private let exited = DispatchSemaphore(value: 0)

    /// Takes ownership of `database` (a read-write connection to the same file), starts the
    /// thread, and hooks the writer's connection `writer` so its commits wake it.
    init(database: Database, watching writer: Database) {
        self.database = database
        let thread = Thread { [self] in self.runLoop() }
        thread.name = "gridline-store-checkpointer"
        thread.start()
        sqlite3_wal_hook(writer.handle, { context, _, _, pages in
            if pages >= StoreCheckpointer.pagesPerCheckpoint, let context {
                Unmanaged<StoreCheckpointer>.fromOpaque(context).takeUnretainedValue().wake()
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Ends the thread after a last checkpoint. Call after the writer's connection closed
    /// (its hook points at this object).
    func shutdown() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
        exited.wait()
    }

    private func wake() {
        condition.lock()
        due = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while !due && !stopped { condition.wait() }
            let stopping = stopped
            due = false
            condition.unlock()
            // Busy (another node's checkpoint on the shared file, or a reader holding old
            // frames) only means less was copied; the next wake tries again.
            _ = try? database.exec("PRAGMA wal_checkpoint(PASSIVE)")
            if stopping { break }
        }
        database.close()
        exited.signal()
    }
}
