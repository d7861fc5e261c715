/// Where a formula reads cells from. The store's writer implements it over its cell map;
/// tests use `FormulaDictionarySource`.
///
/// Ranges are read sparsely: `forEachValue` visits stored, non-empty cells only, so
/// `SUM(A:A)` costs the column's used cells, not a million lookups.
public protocol FormulaCellSource {
    /// The cell's value (a formula cell's computed value), `.empty` when nothing is stored.
    func value(at cell: SheetCell) -> FormulaValue

    /// Calls `body` once for each non-empty cell inside `rect`, in any order.
    func forEachValue(in rect: SheetRect, _ body: (SheetCell, FormulaValue) -> Void)

    /// A cached result of an aggregate over one range (`SUM(A1:A100000)`), if the caller
    /// keeps one. The caller must drop every key whose `rect` contains a cell that changed.
    func cachedAggregate(for key: FormulaAggregateKey) -> FormulaValue?

    /// Offers an aggregate's result for caching; ignoring it is fine.
    func storeAggregate(_ value: FormulaValue, for key: FormulaAggregateKey)

    /// The numbers and first error of `rect`, for SUM, AVERAGE, MIN, MAX and COUNT over it.
    /// It must fold the same values in the same order as `forEachValue` visits them (the
    /// default does exactly that); a source may keep it until a cell of `rect` changes.
    func rangeSummary(in rect: SheetRect) -> FormulaRangeSummary
}

extension FormulaCellSource {
    public func cachedAggregate(for key: FormulaAggregateKey) -> FormulaValue? { nil }
    public func storeAggregate(_ value: FormulaValue, for key: FormulaAggregateKey) {}

    public func rangeSummary(in rect: SheetRect) -> FormulaRangeSummary {
        var summary = FormulaRangeSummary()
        forEachValue(in: rect) { cell, value in summary.add(value, at: cell) }
        return summary
    }
}

/// Names one aggregate over one range (a call with the range as its only argument), for
/// the caching hook of `FormulaCellSource`.
public struct FormulaAggregateKey: Hashable, Sendable {
    public var function: String
    public var rect: SheetRect

    public init(function: String, rect: SheetRect) {
        self.function = function
        self.rect = rect
    }
}

/// A `FormulaCellSource` over a dictionary keyed by `SheetCell.key`: the reference
/// implementation, and what tests and the corpus use.
public struct FormulaDictionarySource: FormulaCellSource {
    public var cells: [UInt64: FormulaValue]

    public init(cells: [UInt64: FormulaValue] = [:]) {
        self.cells = cells
    }

    public subscript(cell: SheetCell) -> FormulaValue {
        get { cells[cell.key] ?? .empty }
        set { if case .empty = newValue { cells[cell.key] = nil } else { cells[cell.key] = newValue } }
    }

    @inlinable public func value(at cell: SheetCell) -> FormulaValue {
        cells[cell.key] ?? .empty
    }

    public func forEachValue(in rect: SheetRect, _ body: (SheetCell, FormulaValue) -> Void) {
        // Probe each cell of a small rect; scan the map for a large one.
        if rect.cellCount <= Int64(cells.count) {
            for row in rect.top...rect.bottom {
                for column in rect.left...rect.right {
                    let cell = SheetCell(column: column, row: row)
                    if let value = cells[cell.key] { body(cell, value) }
                }
            }
        } else {
            for (key, value) in cells {
                let cell = SheetCell(key: key)
                if rect.contains(cell) { body(cell, value) }
            }
        }
    }
}
