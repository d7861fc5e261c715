/// VLOOKUP, MATCH, INDEX (and NA, which makes the lookup error). Approximate lookups (VLOOKUP's default, MATCH types 1 and -1)
/// expect sorted data and return the last entry not past the sought value, scanning in
/// order and stopping at the first entry past it; entries of the other kind (text versus
/// numbers) are skipped. Exact matches use wildcards, case-insensitively.
enum FormulaLookupFunctions {
    static let all: [FormulaFunction] = [
        .value("NA", 0...0) { _ throws(FormulaError) in throw .notAvailable },
        .value("VLOOKUP", 3...4) { call throws(FormulaError) in
            let sought = call.value(0)
            if case .error(let e) = sought { throw e }
            let rect = try reference(call, 1)
            let column = try call.integer(2)
            let sorted = call.isMissing(3) ? true : try call.boolean(3)
            guard column >= 1 else { throw .value }
            guard column <= Int(rect.right - rect.left) + 1 else { throw .reference }
            let keys = vector(call.source, SheetRect(top: rect.top, left: rect.left, bottom: rect.bottom, right: rect.left))
            // A sorted lookup of a wildcard pattern takes its first match, as LibreOffice does.
            let wildcardHit = sorted && isPattern(sought) ? exact(sought, keys) : nil
            guard let hit = wildcardHit ?? (sorted ? approximate(sought, keys, descending: false) : exact(sought, keys)) else {
                throw .notAvailable
            }
            return call.source.value(at: SheetCell(column: rect.left + Int32(column - 1), row: rect.top + Int32(hit)))
        },
        .value("MATCH", 2...3) { call throws(FormulaError) in
            let sought = call.value(0)
            if case .error(let e) = sought { throw e }
            let rect = try reference(call, 1)
            let type = try call.number(2, default: 1)
            guard rect.top == rect.bottom || rect.left == rect.right else { throw .notAvailable }
            let keys = vector(call.source, rect)
            let hit: Int?
            if type == 0 { hit = exact(sought, keys) } else { hit = approximate(sought, keys, descending: type < 0) }
            guard let hit else { throw .notAvailable }
            return .number(Double(hit + 1))
        },
        FormulaFunction("INDEX", 2...3) { call throws(FormulaError) in
            let rect = try reference(call, 0)
            let height = Int(rect.bottom - rect.top) + 1, width = Int(rect.right - rect.left) + 1
            var row = try call.integer(1, default: 0)
            var column = try call.integer(2, default: 0)
            if call.count < 3 || call.isMissing(2), height == 1, width > 1 { (row, column) = (0, row) }
            guard row >= 0, column >= 0 else { throw .value }
            guard row <= height, column <= width else { throw .reference }
            let top = row == 0 ? rect.top : rect.top + Int32(row - 1)
            let bottom = row == 0 ? rect.bottom : top
            let left = column == 0 ? rect.left : rect.left + Int32(column - 1)
            let right = column == 0 ? rect.right : left
            if top == bottom && left == right { return .cell(SheetCell(column: left, row: top)) }
            return .range(SheetRect(top: top, left: left, bottom: bottom, right: right))
        },
    ]

    private static func reference(_ call: FormulaCall, _ i: Int) throws(FormulaError) -> SheetRect {
        switch call.operand(i) {
        case .cell(let cell): return SheetRect(cell, cell)
        case .range(let rect): return rect
        case .value(let value):
            if case .error(let e) = value { throw e }
            throw .notAvailable
        }
    }

    /// The stored cells of a one-row or one-column rect as (offset from its start, value),
    /// in order.
    private static func vector(_ source: any FormulaCellSource, _ rect: SheetRect) -> [(Int, FormulaValue)] {
        var entries: [(Int, FormulaValue)] = []
        let byRow = rect.left == rect.right
        source.forEachValue(in: rect) { cell, value in
            entries.append((Int(byRow ? cell.row - rect.top : cell.column - rect.left), value))
        }
        entries.sort { $0.0 < $1.0 }
        return entries
    }

    private static func exact(_ sought: FormulaValue, _ entries: [(Int, FormulaValue)]) -> Int? {
        let criterion: FormulaCriterion?
        if case .text(let s) = sought { criterion = FormulaCriterion(op: .equal, operand: .text(s)) } else { criterion = nil }
        for (offset, value) in entries {
            if let criterion {
                if case .text(let s) = sought, s.isEmpty { continue }
                if case .error = value { continue }
                if criterion.matches(value) { return offset }
            } else if sameKind(sought, value), (try? FormulaCoercion.compare(value, sought)) == 0 {
                return offset
            }
        }
        return nil
    }

    private static func approximate(_ sought: FormulaValue, _ entries: [(Int, FormulaValue)], descending: Bool) -> Int? {
        var found: Int?
        for (offset, value) in entries where sameKind(sought, value) {
            guard let order = try? FormulaCoercion.compare(value, sought) else { continue }
            if descending ? order >= 0 : order <= 0 { found = offset } else { break }
        }
        return found
    }

    private static func isPattern(_ value: FormulaValue) -> Bool {
        if case .text(let s) = value { return s.contains(where: { $0 == "*" || $0 == "?" || $0 == "~" }) }
        return false
    }

    /// Numbers (and booleans) meet numbers, text meets text.
    private static func sameKind(_ a: FormulaValue, _ b: FormulaValue) -> Bool {
        switch (a, b) {
        case (.text, .text): return true
        case (.number, .number), (.number, .boolean), (.boolean, .number), (.boolean, .boolean): return true
        default: return false
        }
    }
}
