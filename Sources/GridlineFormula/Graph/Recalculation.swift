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

    private let schedule: RecalcSchedule
    private var dirty: [Bool]
    private var position = 0
    /// The item `next()` returned last, until its change (or not) is passed on.
    private var current = -1
    private var currentChanged = true

    init(schedule: RecalcSchedule) {
        self.schedule = schedule
        dirty = schedule.isRoot
    }

    /// Cells on a circular reference among those this recalculation may return.
    public var cycle: [SheetCell] {
        schedule.kinds.indices.filter { schedule.kinds[$0] == .cycle }.map { SheetCell(key: schedule.cellKeys[$0]) }
    }

    /// The next cell to recompute, or nil when done. The cell returned before it counts as
    /// changed unless `markUnchanged()` was called since.
    public mutating func next() -> Step? {
        if current >= 0 {
            if currentChanged { markSuccessorsDirty(of: current) }
            current = -1
        }
        while position < schedule.count {
            let item = position
            position += 1
            switch schedule.kinds[item] {
            case .range:
                if dirty[item] { markSuccessorsDirty(of: item) }
            case .cycle:
                return yield(item, isOnCycle: true)
            case .formula:
                if dirty[item] { return yield(item, isOnCycle: false) }
            }
        }
        return nil
    }

    /// The cell `next()` returned last kept its value: its dependents need no recomputing on
    /// its account.
    public mutating func markUnchanged() {
        currentChanged = false
    }

    private mutating func yield(_ item: Int, isOnCycle: Bool) -> Step {
        current = item
        currentChanged = true
        return Step(cell: SheetCell(key: schedule.cellKeys[item]), isOnCycle: isOnCycle)
    }

    private mutating func markSuccessorsDirty(of item: Int) {
        for s in Int(schedule.successorStart[item])..<Int(schedule.successorStart[item + 1]) {
            dirty[Int(schedule.successors[s])] = true
        }
    }
}
