/// The fencing numbers of SPEC §15: which node may write a shard's rooms, checked inside the
/// writer's own transaction. A lease in Redis says who *should* write; this row says who *can*:
/// a node whose lease lapsed (paused, partitioned) finds a higher number here on its next
/// transaction and commits nothing.
public enum ShardFences {
    /// Records `fence` as the shard's current number unless a higher one is there; returns the
    /// number in force afterwards (equal to `fence` when the claim took).
    public static func claim(_ db: Database, shard: Int, fence: Int64, node: String, now: Int64) throws -> Int64 {
        try db.statements(CheckedFences.self).forget()
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
    /// write's transaction: the write lock is held from there to the commit. In a writer
    /// group the row is read once per shard: only a claim changes it, and a claim (ours; no
    /// other node can write while the group holds the lock) makes the next check read again.
    public static func check(_ db: Database, shard: Int, fence: Int64) throws {
        let checked = try db.statements(CheckedFences.self)
        if let group = db.writeGroup, checked.group == group, checked.fences[shard] == fence { return }
        let now = try current(db, shard: shard)
        guard now == fence else { throw StoreError.fenced(shard: shard, held: fence, current: now) }
        guard let group = db.writeGroup else { return }
        if checked.group != group {
            checked.fences.removeAll(keepingCapacity: true)
            checked.group = group
        }
        checked.fences[shard] = fence
    }
}

/// The fences one writer group has read and found in force.
final class CheckedFences: StatementSet {
    var group: UInt64?
    var fences: [Int: Int64] = [:]

    init(database: Database) {}

    func forget() {
        group = nil
        fences.removeAll(keepingCapacity: true)
    }
}

/// Outcomes of writes forwarded by other nodes, by idempotency key and the write's own time
/// (SPEC §15): a retried forward carries both, is answered from here and applied once.
public enum ForwardLog {
    public static func outcome(_ db: Database, key: String, madeAt: Int64) throws -> String? {
        try db.queryFirst("SELECT outcome FROM applied_forwards WHERE applied_at = ? AND key = ?",
                          [.integer(madeAt), .text(key)]) { $0.string(0) }
    }

    public static func record(_ db: Database, key: String, outcome: String, madeAt: Int64) throws {
        try db.run("INSERT INTO applied_forwards(applied_at, key, outcome) VALUES (?, ?, ?)",
                   [.integer(madeAt), .text(key), .text(outcome)])
    }

    /// Forgets at most `limit` keys made before `before` (ms), oldest first; returns how many.
    /// A forward is retried for seconds, so a key older than a minute is never asked for again.
    @discardableResult
    public static func prune(_ db: Database, before: Int64, limit: Int) throws -> Int {
        try db.run("""
            DELETE FROM applied_forwards WHERE (applied_at, key) IN (
                SELECT applied_at, key FROM applied_forwards WHERE applied_at < ? ORDER BY applied_at LIMIT ?)
            """, [.integer(before), .int(limit)])
    }
}
