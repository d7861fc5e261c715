import GridlineFormula

/// The values of one sheet's cells, in blocks of 16 rows of one column stored side by side in
/// one array; a dictionary maps each block written so far to its place. Next to each value,
/// the cell's formula number (an index the caller assigns, -1 for none), so a recalculation
/// step finds the formula and the value with one lookup.
///
/// Why not one dictionary entry per cell: `SUM(A1:A100000)` then costs 100,000 hash probes
/// into a map too large for the cache (about 30 ms here, for each distinct aggregate), and a
/// chain's recalculation pays a cache miss per read. Blocks make a range scan a walk over
/// contiguous values with one small-map lookup per 16 rows, and neighbouring cells share a
/// cache line. The cost is memory for the empty slots of a block: at most 16 slots per stored
/// cell when cells are scattered one per block, nothing extra for filled columns.
struct CellValueGrid {
    static let rowsPerBlock: Int32 = 16
    private static let shift: Int32 = 4

    private var blockBase: [UInt64: Int] = [:]
    private var slots: ContiguousArray<FormulaValue> = []
    private var formulaNumbers: ContiguousArray<Int32> = []
    /// The block found last: a chain's steps read and write neighbouring cells, so most
    /// lookups skip the hash. A reference, so lookups stay non-mutating (a range walk's body
    /// may read single cells while the walk is under way).
    private let recent = RecentBlock()
    /// Non-empty values held.
    private(set) var count = 0

    mutating func reserveCapacity(_ cells: Int) {
        let blocks = cells / Int(Self.rowsPerBlock) + 1
        blockBase.reserveCapacity(blocks)
        slots.reserveCapacity(blocks * Int(Self.rowsPerBlock))
        formulaNumbers.reserveCapacity(blocks * Int(Self.rowsPerBlock))
    }

    @inline(__always)
    private static func blockKey(column: Int32, row: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: column)) << 32 | UInt64(UInt32(bitPattern: row) >> UInt32(shift))
    }

    @inline(__always)
    private static func offset(_ row: Int32) -> Int { Int(row & (rowsPerBlock - 1)) }

    func value(at cell: SheetCell) -> FormulaValue {
        guard let base = base(of: Self.blockKey(column: cell.column, row: cell.row)) else { return .empty }
        return slots[base + Self.offset(cell.row)]
    }

    @inline(__always)
    private func base(of key: UInt64) -> Int? {
        if recent.key == key { return recent.base }
        guard let base = blockBase[key] else { return nil }
        recent.key = key
        recent.base = base
        return base
    }

    mutating func setValue(_ value: FormulaValue, at cell: SheetCell) {
        let isEmpty: Bool
        if case .empty = value { isEmpty = true } else { isEmpty = false }
        guard let index = index(of: cell, creating: !isEmpty) else { return }
        if case .empty = slots[index] { if !isEmpty { count += 1 } } else if isEmpty { count -= 1 }
        slots[index] = value
    }

    /// The cell's formula number, -1 when it has none.
    func formulaNumber(at cell: SheetCell) -> Int32 {
        guard let base = base(of: Self.blockKey(column: cell.column, row: cell.row)) else { return -1 }
        return formulaNumbers[base + Self.offset(cell.row)]
    }

    mutating func setFormulaNumber(_ number: Int32, at cell: SheetCell) {
        guard let index = index(of: cell, creating: number >= 0) else { return }
        formulaNumbers[index] = number
    }

    /// The cell's place in the arrays; with `creating`, its block is added if missing.
    private mutating func index(of cell: SheetCell, creating: Bool) -> Int? {
        let key = Self.blockKey(column: cell.column, row: cell.row)
        if let base = base(of: key) { return base + Self.offset(cell.row) }
        guard creating else { return nil }
        let base = slots.count
        slots.append(contentsOf: repeatElement(FormulaValue.empty, count: Int(Self.rowsPerBlock)))
        formulaNumbers.append(contentsOf: repeatElement(-1, count: Int(Self.rowsPerBlock)))
        blockBase[key] = base
        return base + Self.offset(cell.row)
    }

    /// Every non-empty value inside `rect`, column by column, rows ascending.
    func forEachValue(in rect: SheetRect, _ body: (SheetCell, FormulaValue) -> Void) {
        forEachBlock(in: rect) { base, column, low, high in
            for row in low...high {
                let value = slots[base + Self.offset(row)]
                if case .empty = value { continue }
                body(SheetCell(column: column, row: row), value)
            }
        }
    }

    /// The summary SUM, AVERAGE, MIN, MAX and COUNT read, folded in `forEachValue`'s order
    /// in a loop over each block's slots: no call per cell.
    func summary(in rect: SheetRect) -> FormulaRangeSummary {
        var summary = FormulaRangeSummary()
        slots.withUnsafeBufferPointer { slots in
            forEachBlock(in: rect) { base, column, low, high in
                var index = base + Self.offset(low)
                for row in low...high {
                    switch slots[index] {
                    case .number(let n): summary.add(number: n)
                    case .boolean(let b): summary.add(number: b ? 1 : 0)
                    case .error(let e): summary.add(error: e, at: SheetCell(column: column, row: row))
                    case .text, .empty: break
                    }
                    index += 1
                }
            }
        }
        return summary
    }

    /// Each stored block overlapping `rect` with the rows of it inside `rect` (`low...high`),
    /// in column order, blocks ascending. Probes the rect's blocks when they are fewer than
    /// the blocks held, otherwise walks the blocks held, sorted, so a sum adds in the same
    /// order in every process — a dictionary's order changes with its per-process hash seed.
    private func forEachBlock(in rect: SheetRect, _ body: (_ base: Int, _ column: Int32, _ low: Int32, _ high: Int32) -> Void) {
        let firstBlock = rect.top >> Self.shift
        let lastBlock = rect.bottom >> Self.shift
        let blocksInRect = Int64(lastBlock - firstBlock + 1) * Int64(rect.right - rect.left + 1)
        if blocksInRect <= Int64(blockBase.count) {
            for column in rect.left...rect.right {
                for block in firstBlock...lastBlock {
                    guard let base = blockBase[Self.blockKey(column: column, row: block << Self.shift)] else { continue }
                    let firstRow = block << Self.shift
                    body(base, column, max(firstRow, rect.top), min(firstRow + Self.rowsPerBlock - 1, rect.bottom))
                }
            }
        } else {
            var inRect: [(key: UInt64, base: Int)] = []
            for (key, base) in blockBase {
                let column = Int32(bitPattern: UInt32(truncatingIfNeeded: key >> 32))
                let firstRow = Int32(bitPattern: UInt32(truncatingIfNeeded: key) << UInt32(Self.shift))
                guard column >= rect.left, column <= rect.right,
                      firstRow + Self.rowsPerBlock - 1 >= rect.top, firstRow <= rect.bottom else { continue }
                inRect.append((key, base))
            }
            inRect.sort { $0.key < $1.key }
            for (key, base) in inRect {
                let column = Int32(bitPattern: UInt32(truncatingIfNeeded: key >> 32))
                let firstRow = Int32(bitPattern: UInt32(truncatingIfNeeded: key) << UInt32(Self.shift))
                body(base, column, max(firstRow, rect.top), min(firstRow + Self.rowsPerBlock - 1, rect.bottom))
            }
        }
    }
}

/// `CellValueGrid`'s last block found. Blocks never move or go away, so it never goes stale.
/// Unchecked exclusivity: each access is a single load or store, never held across a call.
private final class RecentBlock {
    @exclusivity(unchecked) var key = UInt64.max
    @exclusivity(unchecked) var base = 0
}
