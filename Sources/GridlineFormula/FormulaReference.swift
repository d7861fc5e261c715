/// A cell reference as a compiled formula stores it: relative parts as offsets from the host
/// cell (R1C1's `R[-1]C`), absolute parts (`$A$1`) as grid positions. Filled-down formulas
/// (`=A1+1` in B1, `=A2+1` in B2) therefore compile to equal trees that can be shared.
public struct FormulaCellReference: Hashable, Sendable {
    /// Column offset from the host when relative, else the 1-based column.
    public var column: Int32
    /// Row offset from the host when relative, else the 1-based row.
    public var row: Int32
    public var isColumnAbsolute: Bool
    public var isRowAbsolute: Bool

    public init(column: Int32, row: Int32, isColumnAbsolute: Bool, isRowAbsolute: Bool) {
        self.column = column
        self.row = row
        self.isColumnAbsolute = isColumnAbsolute
        self.isRowAbsolute = isRowAbsolute
    }

    /// The reference written as `cell` (A1 form) in a formula hosted at `host`.
    public init(_ cell: SheetCell, isColumnAbsolute: Bool, isRowAbsolute: Bool, host: SheetCell) {
        self.init(
            column: isColumnAbsolute ? cell.column : cell.column - host.column,
            row: isRowAbsolute ? cell.row : cell.row - host.row,
            isColumnAbsolute: isColumnAbsolute, isRowAbsolute: isRowAbsolute)
    }

    /// The cell referenced from `host`, or nil when that falls off the grid (`#REF!`).
    @inlinable public func resolve(at host: SheetCell) -> SheetCell? {
        let c = isColumnAbsolute ? column : host.column &+ column
        let r = isRowAbsolute ? row : host.row &+ row
        guard c >= 1, c <= SheetLimits.maxColumn, r >= 1, r <= SheetLimits.maxRow else { return nil }
        return SheetCell(column: c, row: r)
    }
}

/// A range reference: two corners, already ordered top-left to bottom-right when compiled
/// (`B5:A1` is `A1:B5`), or whole columns (`A:C`) or whole rows (`1:3`).
public struct FormulaRangeReference: Hashable, Sendable {
    /// Which axes the range spans completely.
    public enum Shape: UInt8, Hashable, Sendable {
        case cells, wholeColumns, wholeRows
    }

    public var start: FormulaCellReference
    public var end: FormulaCellReference
    public var shape: Shape

    public init(start: FormulaCellReference, end: FormulaCellReference, shape: Shape) {
        self.start = start
        self.end = end
        self.shape = shape
    }

    /// The rectangle referenced from `host` (whole columns span rows 1…maxRow), or nil when a
    /// corner falls off the grid.
    public func resolve(at host: SheetCell) -> SheetRect? {
        switch shape {
        case .cells:
            guard let a = start.resolve(at: host), let b = end.resolve(at: host) else { return nil }
            return SheetRect(a, b)
        case .wholeColumns:
            let probe = SheetCell(column: host.column, row: 1)
            guard let a = start.resolve(at: probe), let b = end.resolve(at: probe) else { return nil }
            return SheetRect(top: 1, left: min(a.column, b.column), bottom: SheetLimits.maxRow, right: max(a.column, b.column))
        case .wholeRows:
            let probe = SheetCell(column: 1, row: host.row)
            guard let a = start.resolve(at: probe), let b = end.resolve(at: probe) else { return nil }
            return SheetRect(top: min(a.row, b.row), left: 1, bottom: max(a.row, b.row), right: SheetLimits.maxColumn)
        }
    }
}
