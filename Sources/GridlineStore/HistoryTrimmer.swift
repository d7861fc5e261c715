/// History retention in slices: each call deletes at most `sliceRows` rows past a sheet's
/// newest `keep`, looking at no more than `sheetsPerCall` sheets, and says whether it stopped
/// short (more to delete, or sheets not looked at yet).
///
/// Why slices: the writer runs retention in its own transaction between groups, so a trim
/// holds every write queued behind it. Trimming a whole backlog at once stalled the writer
/// for two seconds after 1,000 edits under 1,000 range formulas (a million rows); a slice of
/// 2,000 rows takes a few milliseconds, and the writer runs further slices only while its
/// queue is empty (`StoreWriter`).
///
/// It remembers where the last call stopped, so sheets are taken in turn and none waits
/// behind a busier one.
// @unchecked: the cursor is read and written only by the writer thread (its maintenance).
public final class HistoryTrimmer: @unchecked Sendable {
    public let keep: Int64
    public let sliceRows: Int
    public let sheetsPerCall: Int
    /// Where the next call starts: after this sheet key (0 from the first), or at it when the
    /// last call left rows of it to delete.
    private var cursor: Int64 = 0
    private var resumeAtCursor = false

    public init(keep: Int, sliceRows: Int = 2_000, sheetsPerCall: Int = 256) {
        self.keep = Int64(max(0, keep))
        self.sliceRows = max(1, sliceRows)
        self.sheetsPerCall = max(1, sheetsPerCall)
    }

    /// Deletes one slice; true when it stopped before the end of the work.
    public func trim(_ db: Database) throws -> Bool {
        let sheets = try db.query(
            resumeAtCursor
                ? "SELECT key, seq FROM sheets WHERE key >= ? AND seq > ? ORDER BY key LIMIT ?"
                : "SELECT key, seq FROM sheets WHERE key > ? AND seq > ? ORDER BY key LIMIT ?",
            [.integer(cursor), .integer(keep), .int(sheetsPerCall)]
        ) { ($0.int64(0), $0.int64(1)) }
        resumeAtCursor = false
        var budget = sliceRows
        for (sheet, seq) in sheets {
            let cutoff = seq - keep
            if let first = try CellStore.firstHistorySeq(db, sheetKey: sheet), first <= cutoff {
                // Seqs are dense (every seq a sheet hands out is one history row), so this
                // bounds the rows deleted by the budget.
                let through = min(cutoff, first + Int64(budget) - 1)
                budget -= try CellStore.deleteHistory(db, sheetKey: sheet, throughSeq: through)
                if through < cutoff || budget <= 0 {
                    cursor = sheet
                    resumeAtCursor = through < cutoff
                    return true
                }
            }
            cursor = sheet
        }
        guard sheets.count == sheetsPerCall else {
            cursor = 0
            return false
        }
        return true
    }
}
