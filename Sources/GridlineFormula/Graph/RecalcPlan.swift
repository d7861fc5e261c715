/// What to recompute after a write, all at once: set every `cycle` cell to `#CYCLE!`, then
/// evaluate `order` front to back. Use `Recalculation` instead to skip the dependents of
/// cells whose value did not change.
public struct RecalcPlan: Equatable, Sendable {
    /// Formulas reachable from the write and not on a cycle, each once, every one after all
    /// of its precedents in the plan (those on a cycle included).
    public var order: [SheetCell]
    /// Formulas on a circular reference reachable from the write (a strongly connected
    /// component of more than one cell, a range included, or a cell naming itself), in
    /// topological order of their components.
    public var cycle: [SheetCell]

    public init(order: [SheetCell], cycle: [SheetCell]) {
        self.order = order
        self.cycle = cycle
    }
}

extension DependencyGraph {
    /// The formulas to recompute after writes to `changed` (constants or formulas, just set
    /// or just removed): the changed formulas themselves and everything depending on the
    /// changed cells, transitively, in dependency order.
    public mutating func plan(changed: some Sequence<SheetCell>) -> RecalcPlan {
        let schedule = schedule(changed: changed, withSuccessors: false)
        var plan = RecalcPlan(order: [], cycle: [])
        plan.order.reserveCapacity(schedule.count)
        for item in schedule.items {
            switch item.kind {
            case .formula: plan.order.append(SheetCell(key: item.cellKey))
            case .cycle: plan.cycle.append(SheetCell(key: item.cellKey))
            case .range: break
            }
        }
        return plan
    }

    /// Like `plan(changed:)`, one cell at a time, skipping cells none of whose precedents
    /// changed value.
    public mutating func recalculation(changed: some Sequence<SheetCell>) -> Recalculation {
        Recalculation(schedule: schedule(changed: changed, withSuccessors: true))
    }
}
