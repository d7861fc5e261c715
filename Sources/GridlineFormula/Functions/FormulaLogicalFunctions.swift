/// IF, IFERROR, AND, OR, NOT.
enum FormulaLogicalFunctions {
    static let all: [FormulaFunction] = [
        FormulaFunction("IF", 1...3) { call throws(FormulaError) in
            let condition = try call.boolean(0)
            if condition {
                return call.count > 1 ? branch(call, 1) : .value(.boolean(true))
            }
            return call.count > 2 ? branch(call, 2) : .value(.boolean(false))
        },
        FormulaFunction("IFERROR", 2...2) { call throws(FormulaError) in
            let value = call.value(0)
            if case .error = value { return branch(call, 1) }
            return .value(value)
        },
        .value("AND", 1...FormulaFunction.variadic) { call throws(FormulaError) in
            try .boolean(fold(call, start: true) { $0 && $1 })
        },
        .value("OR", 1...FormulaFunction.variadic) { call throws(FormulaError) in
            try .boolean(fold(call, start: false) { $0 || $1 })
        },
        .value("NOT", 1...1) { call throws(FormulaError) in
            let value = call.value(0)
            if case .text = value { return .boolean(try FormulaCoercion.number(value) == 0) }
            return .boolean(!(try FormulaCoercion.boolean(value)))
        },
    ]

    /// A chosen branch; a left-out one is 0 (`IF(1,,2)` is 0).
    private static func branch(_ call: FormulaCall, _ i: Int) -> FormulaOperand {
        call.isMissing(i) ? .value(.number(0)) : call.operand(i)
    }

    /// AND/OR over every truth value given: references contribute their numbers (text and
    /// empty cells are skipped), direct text is `#VALUE!`, and no value at all is `#VALUE!`.
    private static func fold(_ call: FormulaCall, start: Bool, _ combine: (Bool, Bool) -> Bool) throws(FormulaError) -> Bool {
        var result = start
        var seen = false
        var errors = FormulaErrorPrecedence()
        for i in 0..<call.count where !call.isMissing(i) {
            switch call.operand(i) {
            case .value(let value):
                switch value {
                case .text: errors.single(.value, argument: i)
                case .error(let e): errors.computed(e)
                case .empty: continue
                default:
                    result = combine(result, try FormulaCoercion.boolean(value))
                    seen = true
                }
            case .cell(let cell):
                let value = call.source.value(at: cell)
                switch value {
                case .number, .boolean:
                    result = combine(result, try FormulaCoercion.boolean(value))
                    seen = true
                case .error(let e): errors.single(e, argument: i)
                case .text, .empty: continue
                }
            case .range(let rect):
                var firstError: (SheetCell, FormulaError)?
                call.source.forEachValue(in: rect) { cell, value in
                    switch value {
                    case .number(let n):
                        result = combine(result, n != 0)
                        seen = true
                    case .boolean(let b):
                        result = combine(result, b)
                        seen = true
                    case .error(let e): FormulaRangeOrder.keepFirst(&firstError, cell, e)
                    case .text, .empty: break
                    }
                }
                if let (_, e) = firstError { errors.range(e, argument: i) }
            }
        }
        try errors.check()
        guard seen else { throw .value }
        return result
    }
}
