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
    /// Each block's key by its place (`base / rowsPerBlock`): a range walk checks that the block
    /// after the one it read sits next to it with this, no hash needed (a column written top
    /// down is one run of slots).
    private var blockKeys: ContiguousArray<UInt64> = []
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
        blockKeys.reserveCapacity(blocks)
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
        blockKeys.append(key)
        return base + Self.offset(cell.row)
    }

    /// Every non-empty value inside `rect`, column by column, rows ascending.
    func forEachValue(in rect: SheetRect, _ body: (SheetCell, FormulaValue) -> Void) {
        forEachRun(in: rect) { start, column, low, high in
            var index = start
            for row in low...high {
                let value = slots[index]
                index += 1
                if case .empty = value { continue }
                body(SheetCell(column: column, row: row), value)
            }
        }
    }

    /// The summary SUM, AVERAGE, MIN, MAX and COUNT read, folded in `forEachValue`'s order
    /// over runs of slots: no call per cell.
    func summary(in rect: SheetRect) -> FormulaRangeSummary {
        var summary = FormulaRangeSummary()
        slots.withUnsafeBufferPointer { slots in
            forEachRun(in: rect) { start, column, low, high in
                summary.add(UnsafeBufferPointer(rebasing: slots[start..<start + Int(high - low) + 1]), column: column, firstRow: low)
            }
        }
        return summary
    }

    /// Folds one column's rows `rect.top...rect.bottom` on from `summary` (the state folded
    /// over the rows above), appending the state at every row `origin + k × chunk` passed
    /// (k ≥ 1), before that row is added: where a later fold of the same column may resume.
    /// The numbers go in the same order as `summary(in:)`'s, so the result is the same to the bit.
    func summary(
        inColumn rect: SheetRect, from summary: FormulaRangeSummary, origin: Int32, chunk: Int32,
        checkpoints: inout [FormulaRangeSummary]
    ) -> FormulaRangeSummary {
        var summary = summary
        var nextBoundary = origin + ((rect.top - origin) / chunk + 1) * chunk
        slots.withUnsafeBufferPointer { slots in
            forEachRun(in: rect) { start, column, low, high in
                var low = low
                var start = start
                while low <= high {
                    while nextBoundary <= low {
                        checkpoints.append(summary)
                        nextBoundary += chunk
                    }
                    let end = min(high, nextBoundary - 1)
                    summary.add(UnsafeBufferPointer(rebasing: slots[start..<start + Int(end - low) + 1]), column: column, firstRow: low)
                    start += Int(end - low) + 1
                    low = end + 1
                }
            }
        }
        while nextBoundary <= rect.bottom {
            checkpoints.append(summary)
            nextBoundary += chunk
        }
        return summary
    }

    /// The stored cells overlapping `rect` as runs: rows `low...high` of one column at slots
    /// `start...`, in column order, rows ascending. Probes the rect's blocks when they are
    /// fewer than the blocks held (joining a block to the run when it sits right after the
    /// previous one), otherwise walks the blocks held, sorted, so a sum adds in the same order
    /// in every process — a dictionary's order changes with its per-process hash seed.
    private func forEachRun(in rect: SheetRect, _ body: (_ start: Int, _ column: Int32, _ low: Int32, _ high: Int32) -> Void) {
        let firstBlock = rect.top >> Self.shift
        let lastBlock = rect.bottom >> Self.shift
        let blocksInRect = Int64(lastBlock - firstBlock + 1) * Int64(rect.right - rect.left + 1)
        let width = Int(Self.rowsPerBlock)
        if blocksInRect <= Int64(blockBase.count) {
            for column in rect.left...rect.right {
                var run: (start: Int, low: Int32, high: Int32)?
                var following = -1  // the place right after the run's last block
                for block in firstBlock...lastBlock {
                    let key = Self.blockKey(column: column, row: block << Self.shift)
                    let base: Int
                    if following >= 0, following / width < blockKeys.count, blockKeys[following / width] == key {
                        base = following
                    } else if let found = blockBase[key] {
                        base = found
                    } else {
                        if let (start, low, high) = run { body(start, column, low, high) }
                        run = nil
                        following = -1
                        continue
                    }
                    let firstRow = block << Self.shift
                    let low = max(firstRow, rect.top)
                    let high = min(firstRow + Self.rowsPerBlock - 1, rect.bottom)
                    if base == following, let current = run {
                        run = (current.start, current.low, high)
                    } else {
                        if let (start, low, high) = run { body(start, column, low, high) }
                        run = (base + Self.offset(low), low, high)
                    }
                    following = base + width
                }
                if let (start, low, high) = run { body(start, column, low, high) }
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
                let low = max(firstRow, rect.top)
                body(base + Self.offset(low), column, low, min(firstRow + Self.rowsPerBlock - 1, rect.bottom))
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
