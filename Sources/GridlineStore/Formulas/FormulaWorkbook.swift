import GridlineFormula

/// What rebuilding one sheet's formula state took (SPEC §14: after a restart, on its first
/// write), for the server's `formula_sheet_loaded` log line.
public struct FormulaSheetLoad: Sendable, Equatable {
    public let sheetId: String
    public let cells: Int
    public let formulas: Int
    /// Reading the cells, compiling every formula and building the dependency graph.
    public let seconds: Double
}

/// The formula state of the sheets the writer works on (SPEC §14): one `SheetCalculation` per
/// sheet, built lazily from the stored cells — a restart rebuilds each sheet's dependency graph
/// on its first write — and the compiler whose interned trees filled-down formulas share.
// @unchecked: used only on the store's writer thread, inside its transactions.
public final class FormulaWorkbook: @unchecked Sendable {
    let compiler = FormulaCompiler()
    private var sheets: [String: SheetCalculation] = [:]
    /// Most recently used last; the least recent sheet is dropped past `maxSheets`.
    private var recency: [String] = []
    let maxSheets: Int
    /// Called on the writer thread after each sheet load; set once, before the first write.
    public var onSheetLoaded: (@Sendable (FormulaSheetLoad) -> Void)?

    public init(maxSheets: Int = 64) {
        self.maxSheets = maxSheets
    }

    /// The sheet's state, rebuilt from the database unless it matches the stored `seq`.
    func sheet(_ db: Database, _ stored: CellStore.SheetRow) throws -> SheetCalculation {
        if let sheet = sheets[stored.id], sheet.seq == stored.seq {
            touch(stored.id)
            return sheet
        }
        let sheet = try load(db, stored)
        sheets[stored.id] = sheet
        touch(stored.id)
        if sheets.count > maxSheets, let oldest = recency.first {
            recency.removeFirst()
            sheets[oldest] = nil
            compiler.purgeUnused()
        }
        return sheet
    }

    /// How many sheets are held, for tests and figures.
    public var sheetCount: Int { sheets.count }

    private func touch(_ sheetId: String) {
        if let index = recency.lastIndex(of: sheetId) { recency.remove(at: index) }
        recency.append(sheetId)
    }

    /// Reads every stored cell and compiles every formula. A stored formula that no longer
    /// compiles (written before the server evaluated formulas) is kept as a constant.
    private func load(_ db: Database, _ stored: CellStore.SheetRow) throws -> SheetCalculation {
        let start = StoreClock.monotonicNanoseconds()
        let sheet = SheetCalculation(sheetId: stored.id, seq: stored.seq)
        let range: [SQLValue] = [.integer(CellKey.base(sheetKey: stored.key)), .integer(CellKey.end(sheetKey: stored.key))]
        let (count, formulaCount) = try db.queryFirst(
            "SELECT count(*), count(formula) FROM cells WHERE id >= ? AND id < ?", range
        ) { ($0.int64(0), $0.int64(1)) } ?? (0, 0)
        sheet.reserveCapacity(cells: Int(count), formulas: Int(formulaCount))
        _ = try db.query(
            "SELECT id, value, formula, version, error FROM cells WHERE id >= ? AND id < ?", range
        ) { row -> Void in
            let cell = CellKey.cell(id: row.int64(0))
            sheet.setValue(StoredValue.formulaValue(json: row.string(1), error: row.optionalString(4)), at: cell)
            if let text = row.optionalString(2), let formula = try? compiler.compile(text, at: cell) {
                sheet.setFormula(formula, text: text, at: cell, version: row.int64(3))
            }
        }
        if let onSheetLoaded {
            let seconds = Double(StoreClock.monotonicNanoseconds() - start) / 1e9
            onSheetLoaded(FormulaSheetLoad(sheetId: stored.id, cells: Int(count), formulas: sheet.formulaCount, seconds: seconds))
        }
        return sheet
    }
}
