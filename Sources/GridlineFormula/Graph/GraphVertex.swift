/// A formula's entry in one of its precedents' lists of dependents. It goes stale when the
/// formula's precedents are replaced (the formula's generation moves on), so replacing a
/// formula never searches the lists it leaves: stale entries are skipped when read and
/// dropped in bulk once they outnumber the live ones.
struct DependentEdge {
    var vertex: Int32
    var generation: UInt32
}

/// One vertex of a sheet's dependency graph: a cell (a formula, or a constant some formula
/// names) or a rectangle some formula names (one vertex however many formulas share it).
struct GraphVertex {
    enum Kind: UInt8 {
        case cell
        case range
    }

    var kind: Kind
    /// `SheetCell.key` of a cell vertex.
    var cellKey: UInt64
    /// The rectangle of a range vertex.
    var rect: SheetRect
    var isFormula = false
    var isLive = true
    /// Moves on whenever this formula's precedents change and when the slot is freed.
    var generation: UInt32 = 0
    var staleDependents: Int32 = 0
    /// Formulas that name this cell or range (with stale entries, see `DependentEdge`).
    var dependents: [DependentEdge] = []
    /// A formula's precedent vertices, each once: what to release when it is replaced.
    var precedents: [Int32] = []

    init(cell key: UInt64) {
        kind = .cell
        cellKey = key
        rect = SheetRect(top: 0, left: 0, bottom: 0, right: 0)
    }

    init(range rect: SheetRect) {
        kind = .range
        cellKey = 0
        self.rect = rect
    }

    var liveDependentCount: Int { dependents.count - Int(staleDependents) }
}
