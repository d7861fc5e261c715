/// LibreOffice walks ranges column by column; a range's reported error is the first one in
/// that order, whatever order the source visits cells in.
enum FormulaRangeOrder {
    @inline(__always) static func precedes(_ a: SheetCell, _ b: SheetCell) -> Bool {
        (a.column, a.row) < (b.column, b.row)
    }

    @inline(__always) static func keepFirst(_ first: inout (SheetCell, FormulaError)?, _ cell: SheetCell, _ error: FormulaError) {
        if let (current, _) = first, !precedes(cell, current) { return }
        first = (cell, error)
    }
}
