/// Per-vertex working memory for planning, kept between plans so a small change in a big
/// sheet does not allocate and clear arrays the size of the sheet: an entry is valid only
/// when its `seen` stamp is the current epoch. One record per vertex, so a visit touches one
/// cache line.
struct PlanScratch {
    struct Entry {
        var seen: UInt32 = 0
        /// Tarjan's visit number; -1 once the vertex's component is emitted (off the stack).
        var index: Int32 = 0
        var low: Int32 = 0
        /// The vertex's successors in the plan's flat edge list.
        var edgeStart: Int32 = 0
        var edgeEnd: Int32 = 0
        /// The vertex's position in the plan.
        var slot: Int32 = 0
    }

    var epoch: UInt32 = 0
    var entries: [Entry] = []

    /// Starts a plan over a graph of `vertexCount` vertex slots.
    mutating func begin(vertexCount: Int) {
        if entries.count < vertexCount {
            entries += [Entry](repeating: Entry(), count: max(vertexCount, entries.count * 2) - entries.count)
        }
        epoch &+= 1
        if epoch == 0 {
            for i in entries.indices { entries[i].seen = 0 }
            epoch = 1
        }
    }
}
