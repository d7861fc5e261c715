import GridlineFormula

/// Writes that carry formulas, and the recalculation they cause, in the writer's transaction
/// (SPEC §14): the written cells take the next seqs in request order, then every dependent whose
/// value changed takes its own, in dependency order, each with version + 1 and a history row.
extension CellStore {
    /// What one applied write (a cell or a batch) changed.
    struct WriteResult {
        var applied: [AppliedCell]
        var recalculated: [AppliedCell]
    }

    /// Applies `writes` (conflicts already checked; `currentVersions[i]` is write i's stored
    /// version) after the sheet's seq, recomputes what depends on them and moves the sheet's
    /// seq past everything written.
    static func applyWrites(
        _ db: Database, sheet row: SheetRow, writes: [CellWrite], currentVersions: [Int64],
        userId: String, username: String, now: Int64, formulas: FormulaWorkbook
    ) throws -> WriteResult {
        let seq = row.seq
        let sheet = try formulas.sheet(db, row)
        sheet.seq = -1  // rebuilt on next use unless this change completes
        var cells: [SheetCell] = []
        cells.reserveCapacity(writes.count)
        for (index, write) in writes.enumerated() {
            guard let cell = SheetCell(a1: write.cellId) else {
                throw StoreError.invalid("cell id \(write.cellId) is not in A1 notation")
            }
            cells.append(cell)
            if let text = write.formula {
                let formula: CompiledFormula
                do {
                    formula = try formulas.compiler.compile(text, at: cell)
                } catch {
                    throw StoreError.invalid("formula of \(write.cellId): \(error)")
                }
                sheet.setFormula(formula, text: text, at: cell, version: currentVersions[index] + 1)
            } else {
                sheet.removeFormula(at: cell)
                sheet.setValue(StoredValue.formulaValue(json: write.valueJSON, error: nil), at: cell)
            }
        }
        // Written formulas get their values here too, in dependency order with the rest.
        var computed: [UInt64: FormulaValue] = [:]
        let written = Set(cells.map(\.key))
        var recalculated: [AppliedCell] = []
        let base = CellKey.base(sheetKey: row.key)
        var recalculatedIds: [Int64] = []  // their row ids, from the graph's cells (no A1 text parsed)
        var nextSeq = seq + Int64(writes.count)
        var recalculation = sheet.recalculation(changed: cells)
        while let step = recalculation.next() {
            let key = step.cell.key
            guard let slot = sheet.formula(at: step.cell) else { continue }
            let value: FormulaValue = step.isOnCycle ? .error(.cycle) : sheet.evaluate(slot.formula, at: step.cell)
            let unchanged = value == sheet.value(at: step.cell)
            if unchanged { recalculation.markUnchanged() } else { sheet.setValue(value, at: step.cell) }
            if written.contains(key) {
                computed[key] = value
                continue
            }
            guard !unchanged else { continue }
            let version = slot.version + 1
            sheet.setVersion(version, at: step.cell)
            nextSeq += 1
            let stored = StoredValue.stored(value)
            recalculatedIds.append(base + CellKey.offset(step.cell))
            recalculated.append(AppliedCell(
                cellId: step.cell.a1, valueJSON: stored.json, formula: slot.text, version: version, seq: nextSeq,
                updatedBy: userId, updatedAt: now, error: stored.error))
        }
        var applied: [AppliedCell] = []
        applied.reserveCapacity(writes.count)
        for (index, write) in writes.enumerated() {
            var valueJSON = write.valueJSON
            var error: String?
            if write.formula != nil, let formula = sheet.formula(at: cells[index])?.formula {
                let value = computed[cells[index].key] ?? sheet.evaluate(formula, at: cells[index])
                (valueJSON, error) = StoredValue.stored(value)
            }
            applied.append(AppliedCell(
                cellId: write.cellId, valueJSON: valueJSON, formula: write.formula, version: currentVersions[index] + 1,
                seq: seq + Int64(index) + 1, updatedBy: userId, updatedAt: now, error: error))
        }
        let statements = try db.statements(CellWriteStatements.self)
        try statements.upsert(applied, ids: cells.map { base + CellKey.offset($0) })
        try statements.update(recalculated, ids: recalculatedIds)
        try statements.insertHistory(applied, sheetBase: base, username: username)
        try statements.insertHistory(recalculated, sheetBase: base, username: username)
        try db.run("UPDATE sheets SET seq = ? WHERE key = ?", [.integer(nextSeq), .integer(row.key)])
        sheet.seq = nextSeq
        return WriteResult(applied: applied, recalculated: recalculated)
    }
}
