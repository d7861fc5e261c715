/// One requested cell write. `valueJSON` is the value as JSON text (`42`, `"a"`, `true`,
/// `null`); `expectedVersion` nil means last-writer-wins.
public struct CellWrite: Sendable, Equatable {
    public var cellId: String
    public var valueJSON: String
    public var formula: String?
    public var expectedVersion: Int64?

    public init(cellId: String, valueJSON: String, formula: String? = nil, expectedVersion: Int64? = nil) {
        self.cellId = cellId
        self.valueJSON = valueJSON
        self.formula = formula
        self.expectedVersion = expectedVersion
    }
}

/// A cell as stored. A cell never written reads as version 0, value `null`, no author.
public struct CellRecord: Sendable, Equatable {
    public let cellId: String
    public let valueJSON: String
    public let formula: String?
    public let version: Int64
    public let updatedBy: String?
    public let updatedAt: Int64?

    /// The error a formula evaluated to (`#DIV/0!`…), nil otherwise (SPEC §14).
    public let error: String?

    public init(
        cellId: String, valueJSON: String, formula: String?, version: Int64, updatedBy: String?,
        updatedAt: Int64?, error: String? = nil
    ) {
        self.cellId = cellId
        self.valueJSON = valueJSON
        self.formula = formula
        self.version = version
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
        self.error = error
    }

    public static func unwritten(_ cellId: String) -> CellRecord {
        CellRecord(cellId: cellId, valueJSON: "null", formula: nil, version: 0, updatedBy: nil, updatedAt: nil)
    }
}

/// A write that was applied: its new version and the sheet seq it took.
public struct AppliedCell: Sendable, Equatable {
    public let cellId: String
    public let valueJSON: String
    public let formula: String?
    public let version: Int64
    public let seq: Int64
    public let updatedBy: String
    public let updatedAt: Int64
    /// The error a formula evaluated to, nil otherwise.
    public let error: String?
}

/// The result of one compare-and-set.
public enum CellUpdateOutcome: Sendable, Equatable {
    /// Applied, with the dependents whose value changed, in seq order (SPEC §14).
    case applied(AppliedCell, recalculated: [AppliedCell])
    /// The expected version was stale; nothing was written.
    case conflict(current: CellRecord)
}

/// A cell whose expected version was stale, with what is stored now.
public struct CellConflict: Sendable, Equatable {
    public let cellId: String
    public let current: CellRecord
}

/// The result of an all-or-nothing batch.
public enum BatchOutcome: Sendable, Equatable {
    /// Every write applied, in request order, each with its own seq; then the dependents whose
    /// value changed, in seq order.
    case applied([AppliedCell], recalculated: [AppliedCell])
    /// At least one write was stale; nothing was written. Lists every stale cell.
    case conflicts([CellConflict])
}

/// One applied update as kept for `sync`.
public struct HistoryEntry: Sendable, Equatable {
    public let seq: Int64
    public let cellId: String
    public let valueJSON: String
    public let formula: String?
    public let version: Int64
    public let userId: String?
    public let username: String?
    public let appliedAt: Int64
    public let error: String?
}

/// What `sync` can replay.
public enum HistoryResult: Sendable, Equatable {
    /// Updates after the requested seq, ascending (empty when the client is current).
    case entries([HistoryEntry])
    /// The history cannot bring the client up to date (trimmed past its seq, or the
    /// client claims a seq the sheet never reached): send a snapshot instead.
    case truncated
}

/// A sheet and all its written cells, read in one transaction.
public struct SheetSnapshot: Sendable, Equatable {
    public let sheetId: String
    public let roomId: String
    public let name: String
    public let seq: Int64
    public let cells: [CellRecord]
}
