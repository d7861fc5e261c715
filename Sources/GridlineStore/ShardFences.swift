/// The fencing numbers of SPEC §15: which node may write a shard's rooms, checked inside the
/// writer's own transaction. A lease in Redis says who *should* write; this row says who *can*:
/// a node whose lease lapsed (paused, partitioned) finds a higher number here on its next
/// transaction and commits nothing.
public enum ShardFences {
    /// Records `fence` as the shard's current number unless a higher one is there; returns the
    /// number in force afterwards (equal to `fence` when the claim took).
    public static func claim(_ db: Database, shard: Int, fence: Int64, node: String, now: Int64) throws -> Int64 {
        try db.run("""
            INSERT INTO shard_fences(shard, fence, node, claimed_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(shard) DO UPDATE SET fence = excluded.fence, node = excluded.node, claimed_at = excluded.claimed_at
            WHERE excluded.fence > shard_fences.fence
            """, [.integer(Int64(shard)), .integer(fence), .text(node), .integer(now)])
        return try current(db, shard: shard)
    }

    /// The shard's current number; 0 when no node ever claimed it.
    public static func current(_ db: Database, shard: Int) throws -> Int64 {
        try db.scalarInt64("SELECT fence FROM shard_fences WHERE shard = ?", [.integer(Int64(shard))]) ?? 0
    }

    /// Throws `StoreError.fenced` unless `fence` is still the shard's number. Call first in a
    /// write's transaction: the write lock is held from there to the commit.
    public static func check(_ db: Database, shard: Int, fence: Int64) throws {
        let now = try current(db, shard: shard)
        guard now == fence else { throw StoreError.fenced(shard: shard, held: fence, current: now) }
    }
}

/// Outcomes of writes forwarded by other nodes, by idempotency key (SPEC §15): a retried
/// forward is answered from here and applied once.
public enum ForwardLog {
    public static func outcome(_ db: Database, key: String) throws -> String? {
        try db.queryFirst("SELECT outcome FROM applied_forwards WHERE key = ?", [.text(key)]) { $0.string(0) }
    }

    public static func record(_ db: Database, key: String, outcome: String, now: Int64) throws {
        try db.run("INSERT INTO applied_forwards(key, outcome, applied_at) VALUES (?, ?, ?)",
                   [.text(key), .text(outcome), .integer(now)])
    }

    /// Forgets keys older than `before` (ms); a forward is retried for seconds, not days.
    @discardableResult
    public static func prune(_ db: Database, before: Int64) throws -> Int {
        try db.run("DELETE FROM applied_forwards WHERE applied_at < ?", [.integer(before)])
    }
}
