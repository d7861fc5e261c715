import GridlineFormula

/// One sheet's formula state on the writer thread: every stored cell's value as formulas see
/// it, each formula cell's compiled form and version, the dependency graph, and range
/// aggregates cached until a cell in their range changes. Built from the database on first use;
/// trusted only while the database's seq for the sheet is `seq`. Writer thread only.
final class SheetCalculation: FormulaCellSource {
    let sheetId: String
    /// The sheet's seq this state matches; -1 while a change is being applied, so a change
    /// that fails half-way makes the next use rebuild from the database.
    var seq: Int64
    private var values: [UInt64: FormulaValue] = [:]
    private(set) var formulas: [UInt64: CompiledFormula] = [:]
    /// The text of each formula, as written: recalculated cells are stored with it.
    private(set) var formulaTexts: [UInt64: String] = [:]
    /// Versions of formula cells: a recalculated cell's new version is this + 1.
    private(set) var formulaVersions: [UInt64: Int64] = [:]
    private(set) var graph = DependencyGraph()
    private var aggregates: [FormulaAggregateKey: FormulaValue] = [:]

    init(sheetId: String, seq: Int64) {
        self.sheetId = sheetId
        self.seq = seq
    }

    var formulaCount: Int { formulas.count }

    func reserveCapacity(cells: Int, formulas count: Int) {
        values.reserveCapacity(cells)
        formulas.reserveCapacity(count)
        formulaTexts.reserveCapacity(count)
        formulaVersions.reserveCapacity(count)
        graph.reserveCapacity(count)
    }

    // MARK: Changing cells

    func setValue(_ value: FormulaValue, at cell: SheetCell) {
        let key = cell.key
        if case .empty = value { values[key] = nil } else { values[key] = value }
        guard !aggregates.isEmpty else { return }
        aggregates = aggregates.filter { !$0.key.rect.contains(cell) }
    }

    func setFormula(_ formula: CompiledFormula, text: String, at cell: SheetCell, version: Int64) {
        formulas[cell.key] = formula
        formulaTexts[cell.key] = text
        formulaVersions[cell.key] = version
        let precedents = formula.precedents(at: cell)
        graph.setFormula(at: cell, cells: precedents.cells, ranges: precedents.ranges)
    }

    func setVersion(_ version: Int64, at cell: SheetCell) {
        formulaVersions[cell.key] = version
    }

    func removeFormula(at cell: SheetCell) {
        guard formulas.removeValue(forKey: cell.key) != nil else { return }
        formulaTexts[cell.key] = nil
        formulaVersions[cell.key] = nil
        graph.removeFormula(at: cell)
    }

    /// The order in which formulas that depend on `changed` are recomputed (SPEC §14).
    func recalculation(changed: [SheetCell]) -> Recalculation {
        graph.recalculation(changed: changed)
    }

    /// The formula's value at its cell, against the values as they stand.
    func evaluate(_ formula: CompiledFormula, at cell: SheetCell) -> FormulaValue {
        FormulaEvaluator(source: self, host: cell).evaluate(formula)
    }

    // MARK: FormulaCellSource

    func value(at cell: SheetCell) -> FormulaValue {
        values[cell.key] ?? .empty
    }

    func forEachValue(in rect: SheetRect, _ body: (SheetCell, FormulaValue) -> Void) {
        // Probe each cell of a rect smaller than the sheet; walk the sheet for a larger one.
        if rect.cellCount <= Int64(values.count) {
            for row in rect.top...rect.bottom {
                for column in rect.left...rect.right {
                    let cell = SheetCell(column: column, row: row)
                    if let value = values[cell.key] { body(cell, value) }
                }
            }
        } else {
            for (key, value) in values {
                let cell = SheetCell(key: key)
                if rect.contains(cell) { body(cell, value) }
            }
        }
    }

    func cachedAggregate(for key: FormulaAggregateKey) -> FormulaValue? {
        aggregates[key]
    }

    func storeAggregate(_ value: FormulaValue, for key: FormulaAggregateKey) {
        // Bounded: a sheet with thousands of distinct ranges recomputes instead of hoarding.
        if aggregates.count < 4096 { aggregates[key] = value }
    }
}
