/// What SUM, AVERAGE, MIN, MAX and COUNT read from one range, gathered in one walk: the
/// compensated sum, how many numbers, the least and greatest, and the first error in
/// LibreOffice's order (column by column).
///
/// Why: a sheet with `SUM(A1:A100000)`, `AVERAGE(A1:A100000)` and `MAX(A1:A100000)` walked
/// the column once per function. A summary is built by one walk, the source may keep it for
/// the range, and each function reads its answer off it. The numbers go in the order the
/// source visits them and each field is folded exactly as the functions fold their own, so
/// results are the same to the bit.
public struct FormulaRangeSummary: Equatable, Sendable {
    private var sum = FormulaKahanSum()
    /// Numbers and booleans seen.
    public private(set) var count = 0
    private var least = Double.infinity
    private var greatest = -Double.infinity
    private var firstErrorCell: SheetCell?
    /// The error at `firstErrorCell`.
    public private(set) var error: FormulaError?

    public init() {}

    /// Adds a range's number (a boolean as 1 or 0).
    @inline(__always)
    public mutating func add(number n: Double) {
        sum.add(n)
        count += 1
        least = min(least, n)
        greatest = max(greatest, n)
    }

    /// Notes an error held at `cell`; the first in column order is kept.
    public mutating func add(error: FormulaError, at cell: SheetCell) {
        if let current = firstErrorCell, !FormulaRangeOrder.precedes(cell, current) { return }
        firstErrorCell = cell
        self.error = error
    }

    /// Adds the values of one column's consecutive rows from `firstRow` on, as `add(_:at:)`
    /// would one by one: a source's bulk walk, with no call per cell across modules.
    public mutating func add(_ values: UnsafeBufferPointer<FormulaValue>, column: Int32, firstRow: Int32) {
        // The fields in locals for the loop: through `self` every step stored and reloaded
        // them, the buffer possibly aliasing it.
        var sum = self.sum
        var count = self.count
        var least = self.least
        var greatest = self.greatest
        var row = firstRow
        for value in values {
            let n: Double
            switch value {
            case .number(let number): n = number
            case .boolean(let b): n = b ? 1 : 0
            case .error(let e):
                add(error: e, at: SheetCell(column: column, row: row))
                row += 1
                continue
            case .text, .empty:
                row += 1
                continue
            }
            sum.add(n)
            count += 1
            least = min(least, n)
            greatest = max(greatest, n)
            row += 1
        }
        self.sum = sum
        self.count = count
        self.least = least
        self.greatest = greatest
    }

    /// Adds one non-empty cell's value: numbers and booleans count, text is skipped.
    @inline(__always)
    public mutating func add(_ value: FormulaValue, at cell: SheetCell) {
        switch value {
        case .number(let n): add(number: n)
        case .boolean(let b): add(number: b ? 1 : 0)
        case .error(let e): add(error: e, at: cell)
        case .text, .empty: break
        }
    }

    /// SUM's answer.
    public var total: Double { sum.total }

    /// MIN's answer: 0 when there are no numbers.
    public var minimum: Double { least == .infinity ? 0 : least }

    /// MAX's answer: 0 when there are no numbers.
    public var maximum: Double { greatest == -.infinity ? 0 : greatest }
}
