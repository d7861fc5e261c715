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
    // Unchecked: the writer thread alone touches this state and no access here overlaps
    // another (a range walk's body only reads), while the runtime checks cost about a tenth
    // of a 100,000-cell chain's recalculation.
    @exclusivity(unchecked) private(set) var values = CellValueGrid()
    /// Formula cells, numbered by their place here; the grid holds each cell's number, so a
    /// recalculation step finds formula, text and version without a map of its own.
    @exclusivity(unchecked) private var formulaSlots: [FormulaSlot?] = []
    @exclusivity(unchecked) private var freeFormulaNumbers: [Int32] = []
    @exclusivity(unchecked) private(set) var graph = DependencyGraph()
    @exclusivity(unchecked) private var aggregates: [FormulaAggregateKey: FormulaValue] = [:]
    /// Range summaries SUM, AVERAGE, MIN, MAX and COUNT share: one walk per range, not one per
    /// function. A cell changing in a range drops its summary; a one-column range keeps the
    /// fold's checkpoints above the cell, so the next walk starts there, not at the top (an
    /// edit under `SUM(A1:A100000)` walks half the column on average, not all of it).
    @exclusivity(unchecked) private var summaries: [SheetRect: CachedSummary] = [:]

    init(sheetId: String, seq: Int64) {
        self.sheetId = sheetId
        self.seq = seq
    }

    var formulaCount: Int { formulaSlots.count - freeFormulaNumbers.count }

    func reserveCapacity(cells: Int, formulas count: Int) {
        values.reserveCapacity(cells)
        formulaSlots.reserveCapacity(count)
        graph.reserveCapacity(count)
    }

    // MARK: Changing cells

    func setValue(_ value: FormulaValue, at cell: SheetCell) {
        values.setValue(value, at: cell)
        // Rebuilt only when a cached range covers the cell: a filter per write would allocate.
        if !summaries.isEmpty, summaries.keys.contains(where: { $0.contains(cell) }) {
            var stale: [SheetRect] = []
            // By index, changing values in place: iterating `keys` would hold the storage and
            // make every change copy the dictionary.
            var index = summaries.startIndex
            while index != summaries.endIndex {
                let rect = summaries.keys[index]
                if rect.contains(cell) {
                    if rect.left == rect.right {
                        summaries.values[index].invalidate(fromRow: cell.row, top: rect.top)
                    } else {
                        stale.append(rect)
                    }
                }
                index = summaries.index(after: index)
            }
            for rect in stale { summaries[rect] = nil }
        }
        guard !aggregates.isEmpty, aggregates.keys.contains(where: { $0.rect.contains(cell) }) else { return }
        aggregates = aggregates.filter { !$0.key.rect.contains(cell) }
    }

    func setFormula(_ formula: CompiledFormula, text: String, at cell: SheetCell, version: Int64) {
        let slot = FormulaSlot(formula: formula, text: text, version: version)
        let existing = values.formulaNumber(at: cell)
        if existing >= 0 {
            formulaSlots[Int(existing)] = slot
        } else if let free = freeFormulaNumbers.popLast() {
            formulaSlots[Int(free)] = slot
            values.setFormulaNumber(free, at: cell)
        } else {
            formulaSlots.append(slot)
            values.setFormulaNumber(Int32(formulaSlots.count - 1), at: cell)
        }
        let precedents = formula.precedents(at: cell)
        graph.setFormula(at: cell, cells: precedents.cells, ranges: precedents.ranges)
    }

    func setVersion(_ version: Int64, at cell: SheetCell) {
        let number = values.formulaNumber(at: cell)
        if number >= 0 { formulaSlots[Int(number)]?.version = version }
    }

    /// The formula cell's compiled form, text and version; nil for a constant or empty cell.
    func formula(at cell: SheetCell) -> FormulaSlot? {
        let number = values.formulaNumber(at: cell)
        return number >= 0 ? formulaSlots[Int(number)] : nil
    }

    func removeFormula(at cell: SheetCell) {
        let number = values.formulaNumber(at: cell)
        guard number >= 0 else { return }
        values.setFormulaNumber(-1, at: cell)
        formulaSlots[Int(number)] = nil  // so the compiler can purge trees nothing uses any more
        freeFormulaNumbers.append(number)
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

    func rangeSummary(in rect: SheetRect) -> FormulaRangeSummary {
        if let summary = summaries[rect]?.complete { return summary }
        guard rect.left == rect.right else {
            let summary = values.summary(in: rect)
            // Bounded as `aggregates` is.
            if summaries.count < 4096 { summaries[rect] = CachedSummary(rect: rect, complete: summary) }
            return summary
        }
        var cached = summaries[rect] ?? CachedSummary(rect: rect, complete: nil)
        let resumeRow = rect.top + Int32(cached.checkpoints.count) * cached.chunk
        let summary = values.summary(
            inColumn: SheetRect(top: resumeRow, left: rect.left, bottom: rect.bottom, right: rect.right),
            from: cached.checkpoints.last ?? FormulaRangeSummary(), origin: rect.top, chunk: cached.chunk,
            checkpoints: &cached.checkpoints)
        cached.complete = summary
        if summaries.count < 4096 || summaries[rect] != nil { summaries[rect] = cached }
        return summary
    }
}

/// A range's summary, and for a one-column range the fold's state every `chunk` rows.
struct CachedSummary {
    var complete: FormulaRangeSummary?
    /// Rows between checkpoints: 4,096, or more so that a range holds at most 64.
    let chunk: Int32
    /// `checkpoints[i]`: the fold of rows `top ..< top + (i + 1) × chunk`.
    var checkpoints: [FormulaRangeSummary] = []

    init(rect: SheetRect, complete: FormulaRangeSummary?) {
        chunk = max(4_096, (rect.bottom - rect.top) / 64 + 1)
        self.complete = complete
    }

    /// A cell at `row` changed: the summary and every checkpoint whose rows reach it are stale.
    mutating func invalidate(fromRow row: Int32, top: Int32) {
        complete = nil
        let valid = Int((row - top) / chunk)
        if checkpoints.count > valid { checkpoints.removeSubrange(valid...) }
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
