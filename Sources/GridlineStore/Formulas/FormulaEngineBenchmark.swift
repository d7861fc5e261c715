import GridlineFormula
import GridlineJSON

/// `gridline bench --scenario formula-engine`: the formula engine's own share of a write, with
/// no database and no network. It fills a `SheetCalculation` as a sheet load does (compile,
/// graph), then times the writer's recalculation loop (`CellStore.applyWrites` without its
/// SQL): plan in dependency order, evaluate, compare, keep the value and the new version.
public enum FormulaEngineBenchmark {
    /// A chain `A1`, `A<n> = A<n-1>+1` of `rows` cells, and a column of `rows` constants under
    /// `=SUM(A1:A<rows>)` plus `rangeFormulas` cells cycling SUM/AVERAGE/MAX over it; each edit
    /// `repeats` times. One JSON object of milliseconds.
    public static func run(rows: Int, rangeFormulas: Int, repeats: Int) -> JSONValue {
        var result = JSONObject([("scenario", "formula-engine"), ("rows", JSONValue(rows)),
                                 ("range_formulas", JSONValue(rangeFormulas)), ("repeats", JSONValue(repeats))])
        let compiler = FormulaCompiler()

        // Chain.
        let chain = SheetCalculation(sheetId: "chain", seq: 0)
        chain.reserveCapacity(cells: rows, formulas: rows - 1)
        var started = StoreClock.monotonicNanoseconds()
        let head = SheetCell(column: 1, row: 1)
        chain.setValue(.number(1), at: head)
        for row in 2...Int32(rows) {
            let cell = SheetCell(column: 1, row: row)
            let text = "=A\(row - 1)+1"
            // The benchmark's own formulas always compile.
            guard let formula = try? compiler.compile(text, at: cell) else { continue }
            chain.setFormula(formula, text: text, at: cell, version: 1)
        }
        result["chain_build_ms"] = .number(elapsedMs(since: started))
        started = StoreClock.monotonicNanoseconds()
        _ = recalculate(chain, changed: [head], encode: false)
        result["chain_first_evaluation_ms"] = .number(elapsedMs(since: started))
        var plain: [Double] = []
        var encoded: [Double] = []
        var planOnly: [Double] = []
        for index in 0..<repeats {
            chain.setValue(.number(Double(100 + index)), at: head)
            started = StoreClock.monotonicNanoseconds()
            let count = recalculate(chain, changed: [head], encode: false)
            plain.append(elapsedMs(since: started))
            precondition(count == rows - 1, "chain recalculated \(count) cells")
            precondition(chain.value(at: SheetCell(column: 1, row: Int32(rows))) == .number(Double(100 + index + rows - 1)))
            chain.setValue(.number(Double(1000 + index)), at: head)
            started = StoreClock.monotonicNanoseconds()
            _ = recalculate(chain, changed: [head], encode: true)
            encoded.append(elapsedMs(since: started))
            started = StoreClock.monotonicNanoseconds()
            var plan = chain.recalculation(changed: [head])
            while plan.next() != nil {}
            planOnly.append(elapsedMs(since: started))
        }
        result["chain_recalc_ms_min"] = .number(rounded(plain.min() ?? 0))
        result["chain_recalc_ms_median"] = .number(rounded(median(plain)))
        result["chain_plan_only_ms_median"] = .number(rounded(median(planOnly)))
        result["chain_recalc_with_value_encoding_ms_median"] = .number(rounded(median(encoded)))

        // Ranges.
        let ranges = SheetCalculation(sheetId: "ranges", seq: 0)
        ranges.reserveCapacity(cells: rows + rangeFormulas + 1, formulas: rangeFormulas + 1)
        for row in 1...Int32(rows) { ranges.setValue(.number(Double(row % 1000)), at: SheetCell(column: 1, row: row)) }
        let functions = ["SUM", "AVERAGE", "MAX"]
        started = StoreClock.monotonicNanoseconds()
        var cells = [SheetCell(column: 2, row: 1)]
        let sum = "=SUM(A1:A\(rows))"
        if let formula = try? compiler.compile(sum, at: cells[0]) { ranges.setFormula(formula, text: sum, at: cells[0], version: 1) }
        for index in 0..<rangeFormulas {
            let cell = SheetCell(column: 3, row: Int32(index + 1))
            let text = "=\(functions[index % functions.count])(A1:A\(rows))"
            guard let formula = try? compiler.compile(text, at: cell) else { continue }
            ranges.setFormula(formula, text: text, at: cell, version: 1)
            cells.append(cell)
        }
        _ = recalculate(ranges, changed: cells, encode: false)
        result["range_build_ms"] = .number(elapsedMs(since: started))
        var rangeTimes: [Double] = []
        for index in 0..<max(repeats, 5) {
            let cell = SheetCell(column: 1, row: Int32((index * 7919) % rows + 1))
            ranges.setValue(.number(Double(1_000_000 + index)), at: cell)
            started = StoreClock.monotonicNanoseconds()
            let count = recalculate(ranges, changed: [cell], encode: true)
            rangeTimes.append(elapsedMs(since: started))
            precondition(count == rangeFormulas + 1, "range edit recalculated \(count) cells")
        }
        result["range_recalc_ms_min"] = .number(rounded(rangeTimes.min() ?? 0))
        result["range_recalc_ms_median"] = .number(rounded(median(rangeTimes)))
        return .object(result)
    }

    /// The writer's loop (`CellStore.applyWrites`) without its SQL: returns how many cells changed.
    /// With `encode`, each changed value is also turned into its stored JSON text.
    static func recalculate(_ sheet: SheetCalculation, changed: [SheetCell], encode: Bool) -> Int {
        var recalculation = sheet.recalculation(changed: changed)
        var count = 0
        while let step = recalculation.next() {
            guard let slot = sheet.formula(at: step.cell) else { continue }
            let value: FormulaValue = step.isOnCycle ? .error(.cycle) : sheet.evaluate(slot.formula, at: step.cell)
            if value == sheet.value(at: step.cell) {
                recalculation.markUnchanged()
                continue
            }
            sheet.setValue(value, at: step.cell)
            sheet.setVersion(slot.version + 1, at: step.cell)
            if encode { _ = StoredValue.stored(value) }
            count += 1
        }
        return count
    }

    private static func elapsedMs(since start: UInt64) -> Double {
        rounded(Double(StoreClock.monotonicNanoseconds() - start) / 1e6)
    }

    /// Microsecond resolution: finer than that is noise on this machine.
    private static func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }

    private static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
