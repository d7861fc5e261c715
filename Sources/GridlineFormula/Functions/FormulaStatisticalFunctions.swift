import Foundation

/// SUM, AVERAGE, MIN, MAX, COUNT, COUNTA, COUNTBLANK, PRODUCT (and, in
/// `FormulaConditionalFunctions`, SUMIF, COUNTIF, AVERAGEIF). LibreOffice's rules:
/// references contribute numbers (booleans are numbers) and skip text; direct arguments
/// are coerced, direct text being `#VALUE!` (COUNT counts numeric text instead).
enum FormulaStatisticalFunctions {
    static let all: [FormulaFunction] = [
        aggregate("SUM", summary: { $0.total }) { (numbers: NumberFeed) throws(FormulaError) -> Double in
            var sum = FormulaKahanSum()
            try numbers { sum.add($0) }
            return sum.total
        },
        aggregate("AVERAGE", summary: { (range: FormulaRangeSummary) throws(FormulaError) -> Double in
            guard range.count > 0 else { throw .divisionByZero }
            return range.total / Double(range.count)
        }) { (numbers: NumberFeed) throws(FormulaError) -> Double in
            var sum = FormulaKahanSum()
            var count = 0.0
            try numbers { sum.add($0); count += 1 }
            guard count > 0 else { throw .divisionByZero }
            return sum.total / count
        },
        aggregate("MIN", summary: { $0.minimum }) { (numbers: NumberFeed) throws(FormulaError) -> Double in
            var result = Double.infinity
            try numbers { result = min(result, $0) }
            return result == .infinity ? 0 : result
        },
        aggregate("MAX", summary: { $0.maximum }) { (numbers: NumberFeed) throws(FormulaError) -> Double in
            var result = -Double.infinity
            try numbers { result = max(result, $0) }
            return result == -.infinity ? 0 : result
        },
        aggregate("PRODUCT") { (numbers: NumberFeed) throws(FormulaError) -> Double in
            var product = 1.0
            var seen = false
            try numbers { product *= $0; seen = true }
            return seen ? product : 0
        },
        .value("COUNT", 0...FormulaFunction.variadic) { call throws(FormulaError) in
            .number(try cached(call) { () throws(FormulaError) -> FormulaValue in
                if let rect = onlyRange(call) { return .number(Double(call.source.rangeSummary(in: rect).count)) }
                return .number(count(call, all: false))
            })
        },
        .value("COUNTA", 0...FormulaFunction.variadic) { call throws(FormulaError) in
            .number(try cached(call) { () throws(FormulaError) -> FormulaValue in .number(count(call, all: true)) })
        },
        .value("COUNTBLANK", 1...1) { call throws(FormulaError) in
            switch call.operand(0) {
            case .value(let value):
                if case .error(let e) = value { throw e }
                throw .value
            case .cell(let cell):
                return .number(isBlank(call.source.value(at: cell)) ? 1 : 0)
            case .range(let rect):
                var filled: Int64 = 0
                call.source.forEachValue(in: rect) { _, value in if !isBlank(value) { filled += 1 } }
                return .number(Double(rect.cellCount - filled))
            }
        },
    ] + FormulaConditionalFunctions.all

    static func isBlank(_ value: FormulaValue) -> Bool {
        switch value {
        case .empty: return true
        case .text(let s): return s.isEmpty
        default: return false
        }
    }

    typealias NumberFeed = ((Double) -> Void) throws(FormulaError) -> Void

    typealias SummaryReading = @Sendable (FormulaRangeSummary) throws(FormulaError) -> Double

    /// A numeric aggregate: `reduce` gets a feed that hands it every number of the arguments.
    /// A call over one range only reads the source's summary of it with `summary` instead
    /// (the same numbers in the same order, so the same result), which several aggregates
    /// over the same range share.
    private static func aggregate(
        _ name: String, summary: SummaryReading? = nil,
        _ reduce: @escaping @Sendable (NumberFeed) throws(FormulaError) -> Double
    ) -> FormulaFunction {
        .value(name, 0...FormulaFunction.variadic) { call throws(FormulaError) in
            .number(try cached(call) { () throws(FormulaError) -> FormulaValue in
                let result: Double
                if let summary, let rect = onlyRange(call) {
                    let range = call.source.rangeSummary(in: rect)
                    if let error = range.error { throw error }
                    result = try summary(range)
                } else {
                    result = try reduce { (body: (Double) -> Void) throws(FormulaError) in try forEachNumber(call, body) }
                }
                guard result.isFinite else { throw .number }
                return .number(result)
            })
        }
    }

    /// The range when the call's only argument is a range reference. Only a reference as
    /// written: another argument (a call returning a range) would be evaluated here and again
    /// by the per-call walk.
    private static func onlyRange(_ call: FormulaCall) -> SheetRect? {
        guard call.count == 1, case .range = call.arguments[0], case .range(let rect) = call.operand(0) else { return nil }
        return rect
    }

    /// Asks the source's aggregate cache when the call's only argument is a range.
    private static func cached(_ call: FormulaCall, _ compute: () throws(FormulaError) -> FormulaValue) throws(FormulaError) -> Double {
        var key: FormulaAggregateKey?
        if call.count == 1, case .range(let rect) = call.arguments[0], let resolved = rect.resolve(at: call.host) {
            let candidate = FormulaAggregateKey(function: call.functionName, rect: resolved)
            if let hit = call.source.cachedAggregate(for: candidate) {
                if case .error(let e) = hit { throw e }
                return (try? FormulaCoercion.number(hit)) ?? 0
            }
            key = candidate
        }
        let value: FormulaValue
        do { value = try compute() } catch { value = .error(error) }
        if let key { call.source.storeAggregate(value, for: key) }
        if case .error(let e) = value { throw e }
        return (try? FormulaCoercion.number(value)) ?? 0
    }

    /// Every number the arguments hold, the first error (in argument order, ranges column
    /// by column) thrown after the walk.
    static func forEachNumber(_ call: FormulaCall, _ body: (Double) -> Void) throws(FormulaError) {
        var errors = FormulaErrorPrecedence()
        for i in 0..<call.count where !call.isMissing(i) {
            switch call.operand(i) {
            case .value(let value):
                switch value {
                case .number(let n): body(n)
                case .boolean(let b): body(b ? 1 : 0)
                case .empty: continue
                case .text: errors.single(.value, argument: i)
                case .error(let e): errors.computed(e)
                }
            case .cell(let cell):
                switch call.source.value(at: cell) {
                case .number(let n): body(n)
                case .boolean(let b): body(b ? 1 : 0)
                case .error(let e): errors.single(e, argument: i)
                case .text, .empty: continue
                }
            case .range(let rect):
                var firstError: (SheetCell, FormulaError)?
                call.source.forEachValue(in: rect) { cell, value in
                    switch value {
                    case .number(let n): body(n)
                    case .boolean(let b): body(b ? 1 : 0)
                    case .error(let e): FormulaRangeOrder.keepFirst(&firstError, cell, e)
                    case .text, .empty: break
                    }
                }
                if let (_, e) = firstError { errors.range(e, argument: i) }
            }
        }
        try errors.check()
    }

    /// COUNT (numbers, and numeric text given directly) or COUNTA (anything not empty).
    private static func count(_ call: FormulaCall, all: Bool) -> Double {
        var count = 0.0
        func counts(_ value: FormulaValue, direct: Bool) -> Bool {
            switch value {
            case .empty: return false
            case .number, .boolean: return true
            case .error: return all
            case .text(let s): return all || (direct && FormulaCoercion.parseNumber(s) != nil)
            }
        }
        for i in 0..<call.count where !call.isMissing(i) {
            switch call.operand(i) {
            case .value(let value): if counts(value, direct: true) { count += 1 }
            case .cell(let cell): if counts(call.source.value(at: cell), direct: false) { count += 1 }
            case .range(let rect):
                call.source.forEachValue(in: rect) { _, value in if counts(value, direct: false) { count += 1 } }
            }
        }
        return count
    }
}
