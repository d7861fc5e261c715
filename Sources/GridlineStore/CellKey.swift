import GridlineFormula

/// The integer row ids of `cells` and `cell_history` (migration 005): a sheet's `key` in the
/// top 24 bits, then a cell's column (15 bits) and row (24 bits), or a history row's seq
/// (39 bits). A sheet's rows of either table are therefore one id range.
enum CellKey {
    static let sheetShift: Int64 = 39
    static let columnShift: Int64 = 24
    static let rowMask: Int64 = (1 << columnShift) - 1
    static let columnMask: Int64 = (1 << (sheetShift - columnShift)) - 1
    /// Sheet keys are rowids handed out from 1; this many fit above the shift.
    static let maxSheetKey: Int64 = (1 << (63 - sheetShift)) - 1

    /// The first id of a sheet's range.
    @inline(__always) static func base(sheetKey: Int64) -> Int64 { sheetKey << sheetShift }

    /// One past the last id of a sheet's range.
    @inline(__always) static func end(sheetKey: Int64) -> Int64 { (sheetKey + 1) << sheetShift }

    /// A cell's offset in its sheet's range; every cell id SPEC §6 allows fits.
    @inline(__always) static func offset(_ cell: SheetCell) -> Int64 {
        Int64(cell.column) << columnShift | Int64(cell.row)
    }

    /// The offset of a cell id, nil if it is not in A1 notation.
    static func offset(cellId: String) -> Int64? {
        SheetCell(a1: cellId).map(offset)
    }

    /// The cell at an id of a sheet's range.
    @inline(__always) static func cell(id: Int64) -> SheetCell {
        SheetCell(column: Int32(truncatingIfNeeded: id >> columnShift & columnMask),
                  row: Int32(truncatingIfNeeded: id & rowMask))
    }
}
