/// A recomputation after a write that stops where values stop changing.
///
/// Call `next()` and evaluate the cell it returns (or set it to `#CYCLE!` when the step is on
/// a cycle); if its value came out the same as before, call `markUnchanged()` before the next
/// `next()`. Cells are returned in dependency order, each at most once, and only when the
/// write reached them through a change: a changed formula itself, a dependent of a changed
/// constant, or a dependent of a cell returned earlier and not marked unchanged. Cells on a
/// cycle are always returned. Built by `DependencyGraph.recalculation(changed:)`; it is a
/// snapshot, so finish it before editing the graph again.
public struct Recalculation: Sendable {
    /// One cell to recompute.
    public struct Step: Equatable, Sendable {
        public var cell: SheetCell
        /// The cell is on a circular reference: its value is `#CYCLE!`, not its formula's.
        public var isOnCycle: Bool

        public init(cell: SheetCell, isOnCycle: Bool) {
            self.cell = cell
            self.isOnCycle = isOnCycle
        }
    }

    /// Its items' `isDirty` flags are this recalculation's own state.
    private var schedule: RecalcSchedule
    private var position = 0
    /// The item `next()` returned last, until its change (or not) is passed on.
    private var current = -1
    private var currentChanged = true

    init(schedule: RecalcSchedule) {
        self.schedule = schedule
    }

    /// Cells on a circular reference among those this recalculation may return.
    public var cycle: [SheetCell] {
        schedule.items.filter { $0.kind == .cycle }.map { SheetCell(key: $0.cellKey) }
    }

    /// The next cell to recompute, or nil when done. The cell returned before it counts as
    /// changed unless `markUnchanged()` was called since.
    public mutating func next() -> Step? {
        if current >= 0 {
            if currentChanged { markSuccessorsDirty(of: current) }
            current = -1
        }
        let count = schedule.items.count
        while position < count {
            let item = position
            position += 1
            let entry = schedule.items[item]
            switch entry.kind {
            case .range:
                if entry.isDirty { markSuccessorsDirty(of: item) }
            case .cycle:
                return yield(item, key: entry.cellKey, isOnCycle: true)
            case .formula:
                if entry.isDirty { return yield(item, key: entry.cellKey, isOnCycle: false) }
            }
        }
        return nil
    }

    /// The cell `next()` returned last kept its value: its dependents need no recomputing on
    /// its account.
    public mutating func markUnchanged() {
        currentChanged = false
    }

    @inline(__always)
    private mutating func yield(_ item: Int, key: UInt64, isOnCycle: Bool) -> Step {
        current = item
        currentChanged = true
        return Step(cell: SheetCell(key: key), isOnCycle: isOnCycle)
    }

    @inline(__always)
    private mutating func markSuccessorsDirty(of item: Int) {
        let start = item == 0 ? 0 : Int(schedule.items[item - 1].successorEnd)
        let end = Int(schedule.items[item].successorEnd)
        for s in start..<end {
            schedule.items[Int(schedule.successors[s])].isDirty = true
        }
    }
}
