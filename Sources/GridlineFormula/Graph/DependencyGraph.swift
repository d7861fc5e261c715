/// Which formulas of one sheet depend on which cells, and in what order to recompute them
/// after a write (SPEC §14).
///
/// The input per formula cell is what its formula names: single cells and rectangles (a whole
/// column `A:A` is rows 1…`SheetLimits.maxRow`). A rectangle is a vertex of its own, shared by
/// every formula naming the same rectangle (HyperFormula's range vertices), and is indexed by
/// `RangeIndex` rather than expanded into edges, so `=SUM(A1:A100000)` costs one entry and a
/// write into it finds the range in O(log rows). The formula cells inside a range are its
/// precedents, found through the same index when planning, so `A5 = SUM(A1:A10)` is a cycle.
///
/// Costs: `setFormula` is O(precedents) hash operations, plus O(log rows) per rectangle no
/// other formula names yet. Planning visits only what the write reaches: O(reached formulas +
/// their edges + one `RangeIndex` query per reached cell), iteratively (Tarjan with an explicit
/// stack), so a 100,000-formula chain or a 10,000-cell cycle cannot overflow the stack.
///
/// A value type owned by whoever owns the sheet; planning is `mutating` only because it
/// reuses scratch arrays sized to the graph.
public struct DependencyGraph: Sendable {
    var vertices: [GraphVertex] = []
    private var freeVertices: [Int32] = []
    var cellVertices: [UInt64: Int32] = [:]
    var rangeVertices: [SheetRect: Int32] = [:]
    var rangeIndex = RangeIndex()
    var scratch = PlanScratch()

    /// Cells that hold a formula.
    public private(set) var formulaCount = 0

    public init() {}

    /// Makes room for `formulas` formula cells (and as many other cells) up front, as when a
    /// restart rebuilds the graph from the stored formulas.
    public mutating func reserveCapacity(_ formulas: Int) {
        vertices.reserveCapacity(2 * formulas)
        cellVertices.reserveCapacity(2 * formulas)
    }

    /// Distinct rectangles named by formulas (a thousand `=SUM(A1:A100000)` count once).
    public var rangeVertexCount: Int { rangeVertices.count }

    public func isFormula(_ cell: SheetCell) -> Bool {
        guard let id = cellVertices[cell.key] else { return false }
        return vertices[Int(id)].isFormula
    }

    /// Makes `cell` a formula whose precedents are `cells` and `ranges`, replacing what it
    /// named before. Repeats are harmless; rectangles are clamped to the sheet.
    public mutating func setFormula(at cell: SheetCell, cells: [SheetCell], ranges: [SheetRect]) {
        let id = cellVertex(for: cell.key)
        let previous = vertices[id].precedents
        if vertices[id].isFormula {
            vertices[id].generation &+= 1
        } else {
            vertices[id].isFormula = true
            formulaCount += 1
        }
        let edge = DependentEdge(vertex: Int32(id), generation: vertices[id].generation)
        var precedents: [Int32] = []
        precedents.reserveCapacity(cells.count + ranges.count)
        for precedent in cells {
            let pid = cellVertex(for: precedent.key)
            if addDependent(edge, to: pid) { precedents.append(Int32(pid)) }
        }
        for range in ranges {
            guard let rect = Self.clamped(range) else { continue }
            let rid = rangeVertex(for: rect)
            if addDependent(edge, to: rid) { precedents.append(Int32(rid)) }
        }
        vertices[id].precedents = precedents
        // Released after the new ones are added, so a precedent kept across the edit is not
        // freed and rebuilt.
        for pid in previous { releaseDependent(Int(pid)) }
    }

    /// Makes `cell` a constant (or empty) again; formulas naming it keep naming it.
    public mutating func removeFormula(at cell: SheetCell) {
        guard let found = cellVertices[cell.key], vertices[Int(found)].isFormula else { return }
        let id = Int(found)
        let previous = vertices[id].precedents
        vertices[id].precedents = []
        vertices[id].generation &+= 1
        for pid in previous { releaseDependent(Int(pid)) }
        vertices[id].isFormula = false
        formulaCount -= 1
        if vertices[id].liveDependentCount == 0 { freeVertex(id) }
    }

    // MARK: - Vertices

    private mutating func cellVertex(for key: UInt64) -> Int {
        // One hash lookup whether or not the cell is new: the slot is claimed in place.
        let next = freeVertices.last ?? Int32(vertices.count)
        var created = false
        let id = Self.claim(&cellVertices[key, default: -1], with: next, created: &created)
        if created { _ = allocateVertex(GraphVertex(cell: key)) }
        return Int(id)
    }

    private static func claim(_ slot: inout Int32, with id: Int32, created: inout Bool) -> Int32 {
        if slot < 0 {
            slot = id
            created = true
        }
        return slot
    }

    private mutating func rangeVertex(for rect: SheetRect) -> Int {
        if let id = rangeVertices[rect] { return Int(id) }
        let id = allocateVertex(GraphVertex(range: rect))
        rangeVertices[rect] = Int32(id)
        rangeIndex.insert(rect, id: Int32(id))
        return id
    }

    private mutating func allocateVertex(_ vertex: GraphVertex) -> Int {
        guard let id = freeVertices.popLast() else {
            vertices.append(vertex)
            return vertices.count - 1
        }
        var reused = vertex
        reused.generation = vertices[Int(id)].generation
        vertices[Int(id)] = reused
        return Int(id)
    }

    private mutating func freeVertex(_ id: Int) {
        switch vertices[id].kind {
        case .cell:
            cellVertices.removeValue(forKey: vertices[id].cellKey)
        case .range:
            rangeVertices.removeValue(forKey: vertices[id].rect)
            rangeIndex.remove(vertices[id].rect, id: Int32(id))
        }
        vertices[id].isLive = false
        vertices[id].isFormula = false
        vertices[id].generation &+= 1
        vertices[id].staleDependents = 0
        vertices[id].dependents = []
        vertices[id].precedents = []
        freeVertices.append(Int32(id))
    }

    /// Adds `edge` to `id`'s dependents unless this edit already did (a repeated precedent:
    /// only this edit's entries carry its generation, and they are appended last).
    private mutating func addDependent(_ edge: DependentEdge, to id: Int) -> Bool {
        if let last = vertices[id].dependents.last, last.vertex == edge.vertex, last.generation == edge.generation {
            return false
        }
        vertices[id].dependents.append(edge)
        return true
    }

    /// Counts one of `id`'s dependents entries as stale; frees the vertex once nothing names
    /// it and it is no formula, and compacts its list once stale entries are the majority.
    private mutating func releaseDependent(_ id: Int) {
        vertices[id].staleDependents += 1
        let stale = Int(vertices[id].staleDependents)
        let total = vertices[id].dependents.count
        if stale == total && !vertices[id].isFormula {
            freeVertex(id)
        } else if stale > 8 && stale * 2 > total {
            var dependents = vertices[id].dependents
            vertices[id].dependents = []
            dependents.removeAll { vertices[Int($0.vertex)].generation != $0.generation }
            vertices[id].dependents = dependents
            vertices[id].staleDependents = 0
        }
    }

    /// `rect` normalised and cut to the sheet, or nil when nothing of it is on the sheet.
    static func clamped(_ rect: SheetRect) -> SheetRect? {
        let top = max(min(rect.top, rect.bottom), 1)
        let bottom = min(max(rect.top, rect.bottom), SheetLimits.maxRow)
        let left = max(min(rect.left, rect.right), 1)
        let right = min(max(rect.left, rect.right), SheetLimits.maxColumn)
        guard top <= bottom, left <= right else { return nil }
        return SheetRect(top: top, left: left, bottom: bottom, right: right)
    }
}
