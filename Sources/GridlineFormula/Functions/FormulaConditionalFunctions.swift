/// SUMIF, COUNTIF, AVERAGEIF (statistical family). Walks stay sparse: SUMIF and AVERAGEIF
/// walk the stored cells of the summed range and test the matching criteria cell; COUNTIF
/// adds the unvisited empty cells when the criterion matches empty.
enum FormulaConditionalFunctions {
    static let all: [FormulaFunction] = [
        .value("SUMIF", 2...3) { call throws(FormulaError) in
            var sum = FormulaKahanSum()
            try forEachMatch(call) { sum.add($0) }
            return .number(sum.total)
        },
        .value("AVERAGEIF", 2...3) { call throws(FormulaError) in
            var sum = FormulaKahanSum()
            var count = 0.0
            try forEachMatch(call) { sum.add($0); count += 1 }
            guard count > 0 else { throw .divisionByZero }
            return .number(sum.total / count)
        },
        .value("COUNTIF", 2...2) { call throws(FormulaError) in
            let rect = try reference(call, 0)
            let criterion = try FormulaCriterion(call.value(1))
            var count: Int64 = 0, visited: Int64 = 0
            call.source.forEachValue(in: rect) { _, value in
                visited += 1
                if criterion.matches(value) { count += 1 }
            }
            if criterion.matchesEmpty { count += rect.cellCount - visited }
            return .number(Double(count))
        },
    ]

    private static func reference(_ call: FormulaCall, _ i: Int) throws(FormulaError) -> SheetRect {
        switch call.operand(i) {
        case .cell(let cell): return SheetRect(cell, cell)
        case .range(let rect): return rect
        case .value(let value):
            if case .error(let e) = value { throw e }
            throw .value
        }
    }

    /// The numbers of the summed range (the criteria range itself, or the third argument
    /// resized to its shape) whose criteria cell matches.
    private static func forEachMatch(_ call: FormulaCall, _ body: (Double) -> Void) throws(FormulaError) {
        let range = try reference(call, 0)
        let criterion = try FormulaCriterion(call.value(1))
        var target = range
        if call.count > 2, !call.isMissing(2) {
            let given = try reference(call, 2)
            target = SheetRect(
                top: given.top, left: given.left,
                bottom: min(SheetLimits.maxRow, given.top + (range.bottom - range.top)),
                right: min(SheetLimits.maxColumn, given.left + (range.right - range.left)))
        }
        let rowShift = range.top - target.top, columnShift = range.left - target.left
        var firstError: (SheetCell, FormulaError)?
        call.source.forEachValue(in: target) { cell, value in
            let criteriaCell = SheetCell(column: cell.column + columnShift, row: cell.row + rowShift)
            let tested = target == range ? value : call.source.value(at: criteriaCell)
            guard criterion.matches(tested) else { return }
            switch value {
            case .number(let n): body(n)
            case .boolean(let b): body(b ? 1 : 0)
            case .error(let e): FormulaRangeOrder.keepFirst(&firstError, cell, e)
            case .text, .empty: break
            }
        }
        if let (_, e) = firstError { throw e }
    }
}
