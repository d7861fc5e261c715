/// The affected part of the graph in topological order, built by `DependencyGraph.schedule`:
/// formula cells, cells on cycles and the range vertices between them, with each item's
/// successors as positions (when asked for) so a `Recalculation` can stop early.
struct RecalcSchedule {
    enum ItemKind: UInt8 {
        case formula
        case cycle
        /// Passes a change on from the cells inside a range to the formulas naming it.
        case range
    }

    var cellKeys: [UInt64] = []
    var kinds: [ItemKind] = []
    /// Items to recompute whatever happens: changed formulas and direct dependents of
    /// changed constants.
    var isRoot: [Bool] = []
    /// Item i's successors are `successors[successorStart[i]..<successorStart[i + 1]]`;
    /// both empty when successors were not asked for.
    var successorStart: [Int32] = []
    var successors: [Int32] = []

    var count: Int { kinds.count }
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
        let epoch = scratch.epoch

        var roots: [Int32] = []
        for cell in changed {
            if let id = cellVertices[cell.key], vertices[Int(id)].isFormula {
                roots.append(id)
            } else {
                // A constant has no precedents, so it cannot be on a cycle: start from what
                // depends on it.
                appendSuccessors(of: cell, vertex: cellVertices[cell.key], into: &roots)
            }
        }
        return scratch.entries.withUnsafeMutableBufferPointer { scratch in
            var edges: [Int32] = []
            var emitted: [Int32] = []
            var components: [(end: Int32, isCycle: Bool)] = []
            findComponents(roots: roots, epoch: epoch, scratch: scratch, edges: &edges, emitted: &emitted, components: &components)
            return arrange(
                roots: roots, scratch: scratch, edges: edges, emitted: emitted, components: components,
                withSuccessors: withSuccessors
            )
        }
    }

    /// Iterative Tarjan from `roots`: appends each visited vertex's successors to `edges`
    /// and the strongly connected components, sinks first, to `emitted`.
    private func findComponents(
        roots: [Int32], epoch: UInt32, scratch: UnsafeMutableBufferPointer<PlanScratch.Entry>,
        edges: inout [Int32], emitted: inout [Int32], components: inout [(end: Int32, isCycle: Bool)]
    ) {
        var calls: [(vertex: Int32, cursor: Int32)] = []
        var stack: [Int32] = []
        var counter: Int32 = 0
        for root in roots where scratch[Int(root)].seen != epoch {
            var pending = Int(root)
            while true {
                if pending >= 0 {
                    let v = pending
                    pending = -1
                    let start = Int32(edges.count)
                    appendSuccessors(of: SheetCell(key: vertices[v].cellKey), vertex: Int32(v), into: &edges)
                    scratch[v] = PlanScratch.Entry(
                        seen: epoch, index: counter, low: counter, edgeStart: start, edgeEnd: Int32(edges.count), slot: 0
                    )
                    counter += 1
                    stack.append(Int32(v))
                    calls.append((Int32(v), start))
                }
                guard let top = calls.last else { break }
                let v = Int(top.vertex)
                if top.cursor < scratch[v].edgeEnd {
                    calls[calls.count - 1].cursor += 1
                    let w = Int(edges[Int(top.cursor)])
                    if scratch[w].seen != epoch {
                        pending = w
                    } else if scratch[w].index >= 0 {
                        scratch[v].low = min(scratch[v].low, scratch[w].index)
                    }
                    continue
                }
                calls.removeLast()
                if scratch[v].low == scratch[v].index {
                    let start = emitted.count
                    while let w = stack.popLast() {
                        scratch[Int(w)].index = -1
                        emitted.append(w)
                        if Int(w) == v { break }
                    }
                    let isCycle = emitted.count - start > 1
                        || edges[Int(scratch[v].edgeStart)..<Int(scratch[v].edgeEnd)].contains(Int32(v))
                    components.append((Int32(emitted.count), isCycle))
                }
                if let parent = calls.last {
                    let p = Int(parent.vertex)
                    scratch[p].low = min(scratch[p].low, scratch[v].low)
                }
            }
        }
    }

    /// Lays the components out sources first, as items with successor positions.
    private func arrange(
        roots: [Int32], scratch: UnsafeMutableBufferPointer<PlanScratch.Entry>, edges: [Int32], emitted: [Int32],
        components: [(end: Int32, isCycle: Bool)], withSuccessors: Bool
    ) -> RecalcSchedule {
        var schedule = RecalcSchedule()
        schedule.cellKeys.reserveCapacity(emitted.count)
        schedule.kinds.reserveCapacity(emitted.count)
        var order: [Int32] = []
        order.reserveCapacity(emitted.count)
        for c in components.indices.reversed() {
            let start = c == 0 ? 0 : Int(components[c - 1].end)
            let end = Int(components[c].end)
            // Ranges after the cells of their component: a range on a cycle is reached from a
            // cycle cell, so it must come after it to pass that cell's change on.
            for pass in 0..<(end - start == 1 ? 1 : 2) {
                for k in start..<end {
                    let v = Int(emitted[k])
                    let isRange = vertices[v].kind == .range
                    guard end - start == 1 || isRange == (pass == 1) else { continue }
                    scratch[v].slot = Int32(order.count)
                    order.append(Int32(v))
                    schedule.cellKeys.append(vertices[v].cellKey)
                    schedule.kinds.append(isRange ? .range : components[c].isCycle ? .cycle : .formula)
                }
            }
        }
        schedule.isRoot = [Bool](repeating: false, count: order.count)
        for root in roots { schedule.isRoot[Int(scratch[Int(root)].slot)] = true }
        if withSuccessors {
            schedule.successorStart.reserveCapacity(order.count + 1)
            schedule.successorStart.append(0)
            schedule.successors.reserveCapacity(edges.count)
            for v in order {
                for e in Int(scratch[Int(v)].edgeStart)..<Int(scratch[Int(v)].edgeEnd) {
                    schedule.successors.append(scratch[Int(edges[e])].slot)
                }
                schedule.successorStart.append(Int32(schedule.successors.count))
            }
        }
        return schedule
    }

    /// The vertices a change of `cell` reaches in one step: formulas naming it and, for a
    /// cell, the range vertices containing it.
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
