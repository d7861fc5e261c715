/// Where an AI job stands; only `running` can change.
public enum AIJobStatus: String, Sendable, CaseIterable {
    case running, complete, error, cancelled
}

/// A stored AI job. `requestId` is the client's, so a job is keyed by (user, request).
public struct AIJobRecord: Sendable, Equatable {
    public let requestId: String
    public let userId: String
    public let sheetId: String?
    public let query: String
    public let tableRange: String?
    public let status: AIJobStatus
    public let progress: Int
    public let resultJSON: String?
    public let error: String?
    public let createdAt: Int64
    public let finishedAt: Int64?
}

/// The process running a job in a cluster: its node id and that process's incarnation.
public struct AIJobRunner: Sendable, Equatable {
    public let nodeID: String
    public let incarnation: String

    public init(nodeID: String, incarnation: String) {
        self.nodeID = nodeID
        self.incarnation = incarnation
    }
}

/// AI jobs, persisted so a reconnecting client can ask how its job ended.
public enum AIJobStore {
    /// The message a job left `running` by a previous process ends with.
    public static let interruptedMessage = "interrupted by restart"

    /// The message a job of a cluster node that died ends with.
    public static func nodeLostMessage(_ nodeID: String) -> String { "interrupted: node \(nodeID) stopped" }

    /// Creates a running job at progress 0; `.duplicate` when this user already used
    /// the request id, `.tooManyRunningJobs` when `maxRunning` of theirs already run (nil: no
    /// limit here, the caller counts).
    @discardableResult
    public static func create(
        _ db: Database, requestId: String, userId: String, sheetId: String?, query: String,
        tableRange: String?, now: Int64, runner: AIJobRunner? = nil, maxRunning: Int? = nil
    ) throws -> AIJobRecord {
        if let maxRunning, try countRunning(db, userId: userId) >= maxRunning {
            throw StoreError.tooManyRunningJobs(maxRunning)
        }
        try insertUnique("AI job \(requestId)") {
            try db.run(
                """
                INSERT INTO ai_jobs (request_id, user_id, sheet_id, query, table_range, status, progress, created_at,
                                     node_id, incarnation)
                VALUES (?, ?, ?, ?, ?, 'running', 0, ?, ?, ?)
                """,
                [.text(requestId), .text(userId), .text(sheetId), .text(query), .text(tableRange), .integer(now),
                 .text(runner?.nodeID), .text(runner?.incarnation)])
        }
        return AIJobRecord(
            requestId: requestId, userId: userId, sheetId: sheetId, query: query, tableRange: tableRange,
            status: .running, progress: 0, resultJSON: nil, error: nil, createdAt: now, finishedAt: nil)
    }

    /// Sets progress (clamped to 0…100) of a running job; false if it is not running.
    @discardableResult
    public static func updateProgress(_ db: Database, userId: String, requestId: String, progress: Int) throws -> Bool {
        try db.run(
            "UPDATE ai_jobs SET progress = ? WHERE user_id = ? AND request_id = ? AND status = 'running'",
            [.int(min(100, max(0, progress))), .text(userId), .text(requestId)]) > 0
    }

    /// Ends a running job. False when it was not running (e.g. a cancel racing a
    /// completion: the first to arrive wins). `status` must not be `.running`.
    @discardableResult
    public static func finish(
        _ db: Database, userId: String, requestId: String, status: AIJobStatus, resultJSON: String?,
        error: String?, now: Int64
    ) throws -> Bool {
        guard status != .running else { throw StoreError.invalid("an AI job cannot finish as running") }
        return try db.run(
            """
            UPDATE ai_jobs SET status = ?, result = ?, error = ?, finished_at = ?,
                               progress = CASE WHEN ? = 'complete' THEN 100 ELSE progress END
            WHERE user_id = ? AND request_id = ? AND status = 'running'
            """,
            [
                .text(status.rawValue), .text(resultJSON), .text(error), .integer(now), .text(status.rawValue),
                .text(userId), .text(requestId),
            ]) > 0
    }

    public static func get(_ db: Database, userId: String, requestId: String) throws -> AIJobRecord? {
        try db.queryFirst(
            """
            SELECT request_id, user_id, sheet_id, query, table_range, status, progress, result, error,
                   created_at, finished_at
            FROM ai_jobs WHERE user_id = ? AND request_id = ?
            """,
            [.text(userId), .text(requestId)]
        ) { row in
            AIJobRecord(
                requestId: row.string(0), userId: row.string(1), sheetId: row.optionalString(2),
                query: row.string(3), tableRange: row.optionalString(4),
                status: AIJobStatus(rawValue: row.string(5)) ?? .error, progress: row.int(6),
                resultJSON: row.optionalString(7), error: row.optionalString(8), createdAt: row.int64(9),
                finishedAt: row.optionalInt64(10))
        }
    }

    /// Jobs of this user still running (the spec allows 3 at once).
    public static func countRunning(_ db: Database, userId: String) throws -> Int {
        Int(try db.scalarInt64("SELECT count(*) FROM ai_jobs WHERE user_id = ? AND status = 'running'", [.text(userId)]) ?? 0)
    }

    /// At a single node's start-up: no worker of a previous process is alive, so its running
    /// jobs end as errors. Returns how many.
    @discardableResult
    public static func markInterruptedJobs(_ db: Database, now: Int64) throws -> Int {
        try db.run(
            "UPDATE ai_jobs SET status = 'error', error = ?, finished_at = ? WHERE status = 'running'",
            [.text(interruptedMessage), .integer(now)])
    }

    /// In a cluster: the running jobs of node `nodeID` end as errors with `message`, except those
    /// of incarnation `sparing` (the process holding that id now, if any). For a node a survivor
    /// reaped, and for a node's predecessors under its own id. Returns how many.
    @discardableResult
    public static func markInterruptedJobs(_ db: Database, nodeID: String, sparing incarnation: String?, message: String,
                                           now: Int64) throws -> Int {
        try db.run(
            """
            UPDATE ai_jobs SET status = 'error', error = ?, finished_at = ?
            WHERE status = 'running' AND node_id = ? AND incarnation IS NOT ?
            """,
            [.text(message), .integer(now), .text(nodeID), .text(incarnation)])
    }
}
