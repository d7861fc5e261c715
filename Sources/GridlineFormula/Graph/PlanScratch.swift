/// Working memory for planning, kept between plans so a small change in a big sheet does not
/// allocate and clear arrays the size of the sheet (nor fault in fresh pages for a big one).
/// A per-vertex entry is valid only when its `seen` stamp is the current epoch; the lists
/// keep their capacity and are emptied at the start of each plan. One record per vertex, so a
/// visit touches one cache line.
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

    /// A strongly connected component: it ends at `end` in `emitted`.
    struct Component {
        var end: Int32
        var isCycle: Bool
    }

    /// A vertex being visited and the next of its edges to follow.
    struct Frame {
        var vertex: Int32
        var cursor: Int32
    }

    var epoch: UInt32 = 0
    var entries: [Entry] = []
    var roots: [Int32] = []
    /// Every visited vertex's successors, in visiting order.
    var edges: [Int32] = []
    /// The walk's lists, each bounded by the vertex count (a vertex is visited once).
    var walk = WalkBuffers(capacity: 0)
    /// How much of `walk.emitted` and `walk.components` the last walk filled.
    var emittedCount = 0
    var componentCount = 0
    /// Vertices in plan order.
    var order: [Int32] = []

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
        if walk.capacity < vertexCount || !isKnownUniquelyReferenced(&walk) {
            walk = WalkBuffers(capacity: max(vertexCount, 2 * walk.capacity, 16))
        }
        roots.removeAll(keepingCapacity: true)
        edges.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        emittedCount = 0
        componentCount = 0
    }
}

/// Fixed-size lists for Tarjan's walk, written through pointers so a visit pays no array
/// growth or uniqueness check. No list can outgrow the vertex count, which `begin` reserves.
/// `@unchecked Sendable`: only a plan (a `mutating` call on the one graph value that holds it
/// uniquely, see `PlanScratch.begin`) reads or writes the memory.
final class WalkBuffers: @unchecked Sendable {
    let capacity: Int
    /// Tarjan's stack of vertices whose component is still open.
    let stack: UnsafeMutablePointer<Int32>
    /// The explicit call stack.
    let calls: UnsafeMutablePointer<PlanScratch.Frame>
    /// Vertices in the order the walk closes their components, sinks first.
    let emitted: UnsafeMutablePointer<Int32>
    let components: UnsafeMutablePointer<PlanScratch.Component>

    init(capacity: Int) {
        self.capacity = capacity
        stack = .allocate(capacity: max(capacity, 1))
        calls = .allocate(capacity: max(capacity, 1))
        emitted = .allocate(capacity: max(capacity, 1))
        components = .allocate(capacity: max(capacity, 1))
    }

    deinit {
        stack.deallocate()
        calls.deallocate()
        emitted.deallocate()
        components.deallocate()
    }
}
