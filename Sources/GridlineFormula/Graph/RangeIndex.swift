/// Finds the registered rectangles that cover a cell without looking at the others.
///
/// Columns are cut into bands of 32. Within a band, rows are the leaves of a perfect binary
/// segment tree over 1…2^20 (exactly `SheetLimits.maxRow`), and a rectangle is stored at the
/// canonical tree nodes that tile its rows (at most two per level, so ≤ 40), once in each
/// band its columns touch. A cell's rows are covered only by nodes on its leaf-to-root path,
/// so a query visits ≤ 21 nodes — fewer, since each band keeps a bit per level that holds
/// anything, and a bit per column some rectangle covers (a cell in an uncovered column costs
/// one array read). The cost is O(log rows + k) for k hits, plus the band's rectangles on the
/// path that miss the cell's column.
///
/// Why this and not an interval tree: node positions are fixed by the row numbers, so insert
/// and remove are O(log rows) hash operations with no rebalancing, the structure cannot
/// degrade with insertion order (running totals `A1:A1`, `A1:A2`, … are the common worst
/// case for unbalanced trees), and a whole column `A:A` is one root node, never a million
/// rows. Identical rectangles are one vertex upstream, so each is stored here once.
struct RangeIndex {
    /// A rectangle's placement in one tree node: its vertex and the columns it spans.
    struct Entry: Hashable {
        var id: Int32
        var left: Int32
        var right: Int32
    }

    private struct Band {
        var levelMask: UInt32 = 0
        var columnMask: UInt32 = 0
        var levelCounts: [Int32] = []
        var columnCounts: [Int32] = []
    }

    static let bandShift: Int32 = 5
    static let bandWidth: Int32 = 1 << bandShift
    /// Levels 0 (single rows) … 20 (all 2^20 rows).
    static let levelCount = 21

    private var bands = [Band](repeating: Band(), count: Int((SheetLimits.maxColumn + bandWidth - 1) >> bandShift))
    private var nodes: [UInt64: Set<Entry>] = [:]
    /// Rectangles stored.
    private(set) var count = 0

    private static func nodeKey(band: Int, level: Int, block: UInt64) -> UInt64 {
        UInt64(band) << 32 | UInt64(level) << 24 | block
    }

    /// Stores `rect` (already clamped to the sheet) under `id`.
    mutating func insert(_ rect: SheetRect, id: Int32) {
        update(rect, id: id, inserting: true)
        count += 1
    }

    /// Removes what `insert(rect, id:)` stored.
    mutating func remove(_ rect: SheetRect, id: Int32) {
        update(rect, id: id, inserting: false)
        count -= 1
    }

    private mutating func update(_ rect: SheetRect, id: Int32, inserting: Bool) {
        let entry = Entry(id: id, left: rect.left, right: rect.right)
        let firstBand = Int((rect.left - 1) >> Self.bandShift)
        let lastBand = Int((rect.right - 1) >> Self.bandShift)
        for band in firstBand...lastBand {
            if bands[band].levelCounts.isEmpty {
                bands[band].levelCounts = [Int32](repeating: 0, count: Self.levelCount)
                bands[band].columnCounts = [Int32](repeating: 0, count: Int(Self.bandWidth))
            }
            let bandStart = Int32(band) << Self.bandShift + 1
            let delta: Int32 = inserting ? 1 : -1
            for column in max(rect.left, bandStart)...min(rect.right, bandStart + Self.bandWidth - 1) {
                let offset = Int(column - bandStart)
                bands[band].columnCounts[offset] += delta
                let bit = UInt32(1) << UInt32(offset)
                if bands[band].columnCounts[offset] == 0 { bands[band].columnMask &= ~bit } else { bands[band].columnMask |= bit }
            }
            // Bottom-up canonical decomposition of rows [top-1, bottom) (0-based, half open).
            var low = UInt64(rect.top - 1)
            var high = UInt64(rect.bottom)
            var level = 0
            while low < high {
                if low & 1 == 1 {
                    updateNode(band: band, level: level, block: low, entry: entry, inserting: inserting)
                    low += 1
                }
                if high & 1 == 1 {
                    high -= 1
                    updateNode(band: band, level: level, block: high, entry: entry, inserting: inserting)
                }
                low >>= 1
                high >>= 1
                level += 1
            }
        }
    }

    private mutating func updateNode(band: Int, level: Int, block: UInt64, entry: Entry, inserting: Bool) {
        let key = Self.nodeKey(band: band, level: level, block: block)
        if inserting {
            nodes[key, default: []].insert(entry)
            bands[band].levelCounts[level] += 1
            bands[band].levelMask |= UInt32(1) << UInt32(level)
        } else {
            guard nodes[key]?.remove(entry) != nil else { return }
            if nodes[key]?.isEmpty == true { nodes.removeValue(forKey: key) }
            bands[band].levelCounts[level] -= 1
            if bands[band].levelCounts[level] == 0 { bands[band].levelMask &= ~(UInt32(1) << UInt32(level)) }
        }
    }

    /// Appends the id of every stored rectangle that contains `cell`, each once, in id order
    /// (sets iterate in a per-process random order, and plans should not).
    func collect(containing cell: SheetCell, into out: inout [Int32]) {
        let start = out.count
        defer { if out.count - start > 1 { out[start...].sort() } }
        let column = cell.column
        guard count > 0, column >= 1, column <= SheetLimits.maxColumn, cell.row >= 1, cell.row <= SheetLimits.maxRow else { return }
        let band = Int((column - 1) >> Self.bandShift)
        guard bands[band].columnMask & UInt32(1) << UInt32((column - 1) & (Self.bandWidth - 1)) != 0 else { return }
        var mask = bands[band].levelMask
        let row = UInt64(cell.row - 1)
        while mask != 0 {
            let level = mask.trailingZeroBitCount
            mask &= mask - 1
            guard let entries = nodes[Self.nodeKey(band: band, level: level, block: row >> UInt64(level))] else { continue }
            for entry in entries where entry.left <= column && column <= entry.right {
                out.append(entry.id)
            }
        }
    }
}
