/// The affected part of the graph in topological order, built by `DependencyGraph.schedule`:
/// formula cells, cells on cycles and the range vertices between them, with each item's
/// successors as positions (when asked for) so a `Recalculation` can stop early. Two arrays
/// whatever the plan's size, so a big plan costs two allocations.
struct RecalcSchedule {
    enum ItemKind: UInt8 {
        case formula
        case cycle
        /// Passes a change on from the cells inside a range to the formulas naming it.
        case range
    }

    struct Item {
        var cellKey: UInt64
        /// The item's successors are `successors[previous item's successorEnd..<successorEnd]`
        /// (0 when successors were not asked for).
        var successorEnd: Int32
        var kind: ItemKind
        /// To recompute: set for changed formulas and direct dependents of changed constants,
        /// and by a `Recalculation` for the successors of items that changed.
        var isDirty: Bool
    }

    var items: [Item] = []
    var successors: [Int32] = []

    var count: Int { items.count }
}

extension DependencyGraph {
    /// Plans the recomputation after writes to `changed`: every formula reachable from them
    /// (a changed formula included), in topological order, cycles found by an iterative Tarjan
    /// walk that only visits the affected part of the graph.
    mutating func schedule(changed: some Sequence<SheetCell>, withSuccessors: Bool) -> RecalcSchedule {
        var scratch = self.scratch
        self.scratch = PlanScratch()
        defer { self.scratch = scratch }
        scratch.begin(vertexCount: vertices.count)

        for cell in changed {
            if let id = cellVertices[cell.key], vertices[Int(id)].isFormula {
                scratch.roots.append(id)
            } else {
                // A constant has no precedents, so it cannot be on a cycle: start from what
                // depends on it.
                appendSuccessors(of: cell, vertex: cellVertices[cell.key], into: &scratch.roots)
            }
        }
        findComponents(&scratch)
        return arrange(&scratch, withSuccessors: withSuccessors)
    }

    /// Iterative Tarjan from the scratch's roots: appends each visited vertex's successors to
    /// `edges` and the strongly connected components, sinks first, to `walk.emitted`.
    private func findComponents(_ scratch: inout PlanScratch) {
        let epoch = scratch.epoch
        let walk = scratch.walk
        let stack = walk.stack, calls = walk.calls, emitted = walk.emitted, components = walk.components
        var stackCount = 0, callCount = 0, emittedCount = 0, componentCount = 0
        // Out of the scratch while the entries are borrowed (moved, so still unshared).
        var edges = scratch.edges
        scratch.edges = []
        let roots = scratch.roots
        scratch.entries.withUnsafeMutableBufferPointer { entries in
            var counter: Int32 = 0
            for root in roots where entries[Int(root)].seen != epoch {
                var pending = Int(root)
                while true {
                    if pending >= 0 {
                        let v = pending
                        pending = -1
                        let start = Int32(edges.count)
                        appendSuccessors(of: SheetCell(key: vertices[v].cellKey), vertex: Int32(v), into: &edges)
                        entries[v] = PlanScratch.Entry(
                            seen: epoch, index: counter, low: counter, edgeStart: start, edgeEnd: Int32(edges.count), slot: 0
                        )
                        counter += 1
                        stack[stackCount] = Int32(v)
                        stackCount += 1
                        calls[callCount] = PlanScratch.Frame(vertex: Int32(v), cursor: start)
                        callCount += 1
                    }
                    guard callCount > 0 else { break }
                    let top = calls[callCount - 1]
                    let v = Int(top.vertex)
                    if top.cursor < entries[v].edgeEnd {
                        calls[callCount - 1].cursor += 1
                        let w = Int(edges[Int(top.cursor)])
                        if entries[w].seen != epoch {
                            pending = w
                        } else if entries[w].index >= 0 {
                            entries[v].low = min(entries[v].low, entries[w].index)
                        }
                        continue
                    }
                    callCount -= 1
                    if entries[v].low == entries[v].index {
                        let isCycle: Bool
                        if stack[stackCount - 1] == Int32(v) {
                            // A component of one vertex (the common case): a cycle only if it
                            // names itself.
                            stackCount -= 1
                            entries[v].index = -1
                            emitted[emittedCount] = Int32(v)
                            emittedCount += 1
                            isCycle = edges[Int(entries[v].edgeStart)..<Int(entries[v].edgeEnd)].contains(Int32(v))
                        } else {
                            while stackCount > 0 {
                                stackCount -= 1
                                let w = stack[stackCount]
                                entries[Int(w)].index = -1
                                emitted[emittedCount] = w
                                emittedCount += 1
                                if Int(w) == v { break }
                            }
                            isCycle = true
                        }
                        components[componentCount] = PlanScratch.Component(end: Int32(emittedCount), isCycle: isCycle)
                        componentCount += 1
                    }
                    if callCount > 0 {
                        let p = Int(calls[callCount - 1].vertex)
                        entries[p].low = min(entries[p].low, entries[v].low)
                    }
                }
            }
        }
        scratch.edges = edges
        scratch.emittedCount = emittedCount
        scratch.componentCount = componentCount
    }

    /// Lays the components out sources first, as items with successor positions. Both
    /// arrays are written in place at their final size (no growth, no per-element checks).
    private func arrange(_ scratch: inout PlanScratch, withSuccessors: Bool) -> RecalcSchedule {
        let emitted = UnsafeBufferPointer(start: scratch.walk.emitted, count: scratch.emittedCount)
        let components = UnsafeBufferPointer(start: scratch.walk.components, count: scratch.componentCount)
        let edges = scratch.edges, roots = scratch.roots
        let count = emitted.count
        var order = scratch.order
        scratch.order = []
        order.append(contentsOf: repeatElement(0, count: count))
        defer { scratch.order = order }
        var schedule = RecalcSchedule()
        schedule.items = scratch.entries.withUnsafeMutableBufferPointer { entries in
            order.withUnsafeMutableBufferPointer { order in
                [RecalcSchedule.Item](unsafeUninitializedCapacity: count) { items, initialized in
                    var next = 0
                    for c in components.indices.reversed() {
                        let start = c == 0 ? 0 : Int(components[c - 1].end)
                        let end = Int(components[c].end)
                        // Ranges after the cells of their component: a range on a cycle is
                        // reached from a cycle cell, so it must come after it to pass that
                        // cell's change on. A component of one vertex takes one pass.
                        for pass in 0..<(end - start == 1 ? 1 : 2) {
                            for k in start..<end {
                                let v = Int(emitted[k])
                                let isRange = vertices[v].kind == .range
                                guard end - start == 1 || isRange == (pass == 1) else { continue }
                                entries[v].slot = Int32(next)
                                order[next] = Int32(v)
                                let kind: RecalcSchedule.ItemKind = isRange ? .range : components[c].isCycle ? .cycle : .formula
                                (items.baseAddress! + next).initialize(
                                    to: RecalcSchedule.Item(cellKey: vertices[v].cellKey, successorEnd: 0, kind: kind, isDirty: false))
                                next += 1
                            }
                        }
                    }
                    for root in roots { items[Int(entries[Int(root)].slot)].isDirty = true }
                    initialized = next
                }
            }
        }
        guard withSuccessors else { return schedule }
        let total = edges.count
        schedule.successors = scratch.entries.withUnsafeMutableBufferPointer { entries in
            schedule.items.withUnsafeMutableBufferPointer { items in
                [Int32](unsafeUninitializedCapacity: total) { successors, initialized in
                    var next = 0
                    for i in 0..<count {
                        let v = Int(order[i])
                        for e in Int(entries[v].edgeStart)..<Int(entries[v].edgeEnd) {
                            (successors.baseAddress! + next).initialize(to: entries[Int(edges[e])].slot)
                            next += 1
                        }
                        items[i].successorEnd = Int32(next)
                    }
                    initialized = next
                }
            }
        }
        return schedule
    }

    /// The vertices a change of `cell` reaches in one step: formulas naming it and, for a
    /// cell, the range vertices containing it.
    @inline(__always)
    private func appendSuccessors(of cell: SheetCell, vertex: Int32?, into out: inout [Int32]) {
        if let vertex {
            let v = Int(vertex)
            for edge in vertices[v].dependents where vertices[Int(edge.vertex)].generation == edge.generation {
                out.append(edge.vertex)
            }
            if vertices[v].kind == .range { return }
        }
        if rangeIndex.count > 0 { rangeIndex.collect(containing: cell, into: &out) }
    }
}
