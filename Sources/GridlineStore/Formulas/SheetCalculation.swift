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
    private var values = CellValueGrid()
    /// One entry per formula cell, so a recalculation step costs one lookup, not three.
    private(set) var formulas: [UInt64: FormulaSlot] = [:]
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
        graph.reserveCapacity(count)
    }

    // MARK: Changing cells

    func setValue(_ value: FormulaValue, at cell: SheetCell) {
        values.setValue(value, at: cell)
        // Rebuilt only when an aggregate covers the cell: a filter per write would allocate.
        guard !aggregates.isEmpty, aggregates.keys.contains(where: { $0.rect.contains(cell) }) else { return }
        aggregates = aggregates.filter { !$0.key.rect.contains(cell) }
    }

    func setFormula(_ formula: CompiledFormula, text: String, at cell: SheetCell, version: Int64) {
        formulas[cell.key] = FormulaSlot(formula: formula, text: text, version: version)
        let precedents = formula.precedents(at: cell)
        graph.setFormula(at: cell, cells: precedents.cells, ranges: precedents.ranges)
    }

    func setVersion(_ version: Int64, at cell: SheetCell) {
        formulas[cell.key]?.version = version
    }

    func removeFormula(at cell: SheetCell) {
        guard formulas.removeValue(forKey: cell.key) != nil else { return }
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
        values.value(at: cell)
    }

    func forEachValue(in rect: SheetRect, _ body: (SheetCell, FormulaValue) -> Void) {
        values.forEachValue(in: rect, body)
    }

    func cachedAggregate(for key: FormulaAggregateKey) -> FormulaValue? {
        aggregates[key]
    }

    func storeAggregate(_ value: FormulaValue, for key: FormulaAggregateKey) {
        // Bounded: a sheet with thousands of distinct ranges recomputes instead of hoarding.
        if aggregates.count < 4096 { aggregates[key] = value }
    }
}

/// A formula cell as the writer keeps it.
struct FormulaSlot {
    let formula: CompiledFormula
    /// The text as written: recalculated cells are stored with it.
    let text: String
    /// A recalculated cell's new version is this + 1.
    var version: Int64
}
