import GridlineCollab
import GridlineStore

/// A cell write on its way to the store: from a client of this node, or forwarded by another
/// node to this one as the room's owner (SPEC §15). Values only: it crosses to the writer.
struct CellWriteRequest: Sendable {
    enum Writes: Sendable {
        case single(CellWrite)
        case batch([CellWrite])
    }

    enum Origin: Sendable {
        case local(sessionID: UInt64)
        /// `key` is the idempotency key (node, incarnation, counter): applied at most once.
        /// `mayBeApplied`: a resend, which the owner looks up before applying. `hearsEvents`:
        /// the forwarding node listens to the room, so the write's event answers it.
        case forwarded(node: String, connection: UInt64, key: String, mayBeApplied: Bool, hearsEvents: Bool)

        var forwardKey: String? {
            if case .forwarded(_, _, let key, _, _) = self { return key }
            return nil
        }

        var mayBeApplied: Bool {
            if case .forwarded(_, _, _, let resend, _) = self { return resend }
            return false
        }
    }

    let sheet: SheetInfo
    let user: User
    let writes: Writes
    let now: Int64
    let requestID: String?
    let origin: Origin
    /// When this node read the message (the loop pass's monotonic time): where the server's
    /// write latency (`gridline_cell_write_seconds`) starts.
    let receivedAt: UInt64
    /// A client's write this node forwarded before and now applies itself (it took the shard
    /// over): the key it was sent under, so a copy the old owner committed is not applied again.
    var resendKey: String?

    /// The key the write is applied under at most once, and whether it must be looked up first.
    var idempotency: (key: String, mayBeApplied: Bool)? {
        if let key = origin.forwardKey { return (key, origin.mayBeApplied) }
        if let resendKey { return (resendKey, true) }
        return nil
    }
}

/// The shard fence a write's transaction must still find in the database.
struct WriteFence: Sendable {
    let shard: Int
    let fence: Int64
}

/// What the writer's transaction did with a request.
enum CellWriteResult: Sendable {
    case single(CellUpdateOutcome)
    case batch(BatchOutcome)
    /// A forward already applied under the same key: "first last" seqs of that commit.
    case duplicate(String)

    /// The dependents an applied write recomputed.
    var recalculated: [AppliedCell]? {
        switch self {
        case .single(.applied(_, let recalculated)), .batch(.applied(_, let recalculated)): return recalculated
        default: return nil
        }
    }

    /// The seqs an applied write took, its recalculated dependents' included.
    var appliedSeqs: (first: Int64, last: Int64)? {
        switch self {
        case .single(.applied(let cell, let recalculated)): return (cell.seq, recalculated.last?.seq ?? cell.seq)
        case .batch(.applied(let cells, let recalculated)):
            guard let first = cells.first else { return nil }
            return (first.seq, recalculated.last?.seq ?? cells.last?.seq ?? first.seq)
        default: return nil
        }
    }
}
