import Foundation

/// The store as the server sees it: one database file in the data directory, migrated
/// and seeded at open, with one writer thread (group commit), one reader thread and one
/// checkpointer thread.
public final class Store: Sendable {
    /// Settings for opening the store.
    public struct Options: Sendable {
        /// How long a connection waits for another process's lock (e.g. `gridline
        /// migrate` run next to a server) before failing with SQLITE_BUSY.
        public var busyTimeoutMilliseconds: Int32 = 5_000
        public var maxGroupSize = 512
        /// History rows kept per sheet for `sync`.
        public var historyRetention = 10_000
        /// The writer trims history after this many commits; 0 never trims.
        public var trimEveryCommits = 64
        /// Most history rows one trim deletes (`HistoryTrimmer`).
        public var trimSliceRows = 2_000
        /// Marks AI jobs still `running` as interrupted at open (their process is gone). Off
        /// for a cluster node: the file is shared, and another node's jobs may be running.
        public var markInterruptedJobs = true
        /// The database file's most bytes, nil for no limit. A write that needs more fails with
        /// SQLITE_FULL and changes nothing, as on a full disk (`PRAGMA max_page_count` on the
        /// writing connection; a file already larger keeps its size and takes no new pages).
        public var maxDatabaseBytes: Int64?

        public init() {}
    }

    public static let databaseFileName = "gridline.sqlite"

    public let writer: StoreWriter
    public let reader: StoreReader
    /// The writer thread's formula state; pass it to cell writes (SPEC §14).
    public let formulas = FormulaWorkbook()
    public let databaseURL: URL
    /// Migration versions applied by this open (empty when the schema was current).
    public let appliedMigrations: [Int64]
    /// Whether the seed was loaded into an empty database by this open.
    public let seedLoaded: Bool
    /// AI jobs a previous process left running, now marked as errors.
    public let interruptedJobs: Int

    private let checkpointer: StoreCheckpointer

    private init(
        writer: StoreWriter, reader: StoreReader, checkpointer: StoreCheckpointer, databaseURL: URL,
        appliedMigrations: [Int64], seedLoaded: Bool, interruptedJobs: Int
    ) {
        self.writer = writer
        self.reader = reader
        self.checkpointer = checkpointer
        self.databaseURL = databaseURL
        self.appliedMigrations = appliedMigrations
        self.seedLoaded = seedLoaded
        self.interruptedJobs = interruptedJobs
    }

    /// Creates `dataDirectory` if needed, opens `gridline.sqlite` in it, applies the
    /// migrations, loads the seed into an empty database (nil: never), ends AI jobs left
    /// running, and starts the writer and reader threads.
    public static func open(
        dataDirectory: URL, migrationsDirectory: URL, seedDirectory: URL?, options: Options = Options()
    ) throws -> Store {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let url = dataDirectory.appendingPathComponent(databaseFileName)
        let db = try openConnection(path: url.path, readOnly: false, options: options)
        let applied: [Int64]
        let seeded: Bool
        let interrupted: Int
        do {
            applied = try Migrator(directory: migrationsDirectory).migrate(db)
            seeded = try seedDirectory.map { try SeedLoader.loadIfEmpty(db, seedDirectory: $0) } ?? false
            interrupted = options.markInterruptedJobs ? try AIJobStore.markInterruptedJobs(db, now: StoreClock.nowMilliseconds()) : 0
            if let bytes = options.maxDatabaseBytes, let pageSize = try db.scalarInt64("PRAGMA page_size"), pageSize > 0 {
                try db.exec("PRAGMA max_page_count = \(max(1, bytes / pageSize))")
            }
        } catch {
            db.close()
            throw error
        }
        let readDB = try openConnection(path: url.path, readOnly: true, options: options)
        let checkpointer = StoreCheckpointer(
            database: try openConnection(path: url.path, readOnly: false, options: options), watching: db)
        let trimmer = HistoryTrimmer(keep: options.historyRetention, sliceRows: options.trimSliceRows)
        let writer = StoreWriter(
            database: db,
            options: .init(
                maxGroupSize: options.maxGroupSize, maintenanceEveryCommits: options.trimEveryCommits,
                maintenance: { db in try trimmer.trim(db) }))
        return Store(
            writer: writer, reader: StoreReader(database: readDB), checkpointer: checkpointer, databaseURL: url,
            appliedMigrations: applied, seedLoaded: seeded, interruptedJobs: interrupted)
    }

    /// For `gridline migrate`: applies pending migrations and returns their versions.
    public static func migrate(dataDirectory: URL, migrationsDirectory: URL) throws -> [Int64] {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let url = dataDirectory.appendingPathComponent(databaseFileName)
        let db = try openConnection(path: url.path, readOnly: false, options: Options())
        defer { db.close() }
        return try Migrator(directory: migrationsDirectory).migrate(db)
    }

    /// Opens a connection configured as the store uses it. The read-write one switches
    /// the file to WAL (persistent, so the reader inherits it) with `synchronous=FULL`
    /// (see `StoreWriter` for what that guarantees) and its savepoint journals in memory,
    /// and foreign keys on, which SQLite leaves off per connection by default.
    public static func openConnection(path: String, readOnly: Bool, options: Options = Options()) throws -> Database {
        let db = try Database(
            path: path, flags: readOnly ? [.readOnly, .noMutex] : .readWriteCreate)
        do {
            try db.setBusyTimeout(milliseconds: options.busyTimeoutMilliseconds)
            if !readOnly {
                try db.exec("PRAGMA journal_mode = WAL")
                try db.exec("PRAGMA synchronous = FULL")
                // Every write runs inside savepoints (the group's per-operation one and the
                // store call's own), so SQLite keeps a statement journal of the pages each
                // changes. Past 64 KiB it spills to a temp file created, written page by page
                // and unlinked in every transaction: a 1,001-cell recalculation made about 190
                // writes to it. In memory it costs RAM only while the transaction runs; crash
                // recovery never reads it (the WAL is what is durable).
                try db.exec("PRAGMA temp_store = MEMORY")
            }
            try db.exec("PRAGMA foreign_keys = ON")
        } catch {
            db.close()
            throw error
        }
        return db
    }

    /// Answers whether the database answers a real query, on the reader thread; the
    /// completion runs there.
    public func healthCheck(completion: @escaping @Sendable (Bool) -> Void) {
        reader.submit({ db in
            try db.scalarInt64("SELECT count(*) FROM schema_migrations") != nil
        }) { result in
            completion((try? result.get()) ?? false)
        }
    }

    /// The blocking form, for callers off the event loop: false if no answer came
    /// within `timeout` seconds.
    public func healthCheck(timeout: Double = 1.0) -> Bool {
        let answered = DispatchSemaphore(value: 0)
        let outcome = HealthAnswer()
        healthCheck { healthy in
            outcome.set(healthy)
            answered.signal()
        }
        guard answered.wait(timeout: .now() + timeout) == .success else { return false }
        return outcome.get()
    }

    /// Finishes queued writes and reads, checkpoints, then closes the connections. Call once.
    public func shutdown() {
        writer.shutdown()
        checkpointer.shutdown()
        reader.shutdown()
    }
}

/// A Bool handed from the reader thread to a waiting caller.
// @unchecked: written by the reader thread before the semaphore signal, read after it.
private final class HealthAnswer: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set(_ healthy: Bool) { lock.withLock { value = healthy } }
    func get() -> Bool { lock.withLock { value } }
}
