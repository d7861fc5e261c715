/// One function call being evaluated: its arguments, read the way the function needs them.
/// Arguments are evaluated on demand, so IF and IFERROR evaluate only what they use.
public struct FormulaCall {
    let evaluator: FormulaEvaluator
    let arguments: [FormulaNode]
    let functionName: String

    var count: Int { arguments.count }

    func isMissing(_ i: Int) -> Bool {
        guard i < arguments.count else { return true }
        if case .missing = arguments[i] { return true }
        return false
    }

    /// The argument as a value or a reference.
    func operand(_ i: Int) -> FormulaOperand { evaluator.operand(arguments[i]) }

    /// The argument as one value (a range read at the host's row or column).
    func value(_ i: Int) -> FormulaValue { evaluator.scalar(evaluator.operand(arguments[i])) }

    func number(_ i: Int) throws(FormulaError) -> Double { try FormulaCoercion.number(value(i)) }

    func number(_ i: Int, default fallback: Double) throws(FormulaError) -> Double {
        isMissing(i) ? fallback : try number(i)
    }

    func text(_ i: Int) throws(FormulaError) -> String { try FormulaCoercion.text(value(i)) }

    func boolean(_ i: Int) throws(FormulaError) -> Bool { try FormulaCoercion.boolean(value(i)) }

    /// A count or position argument, truncated toward zero as LibreOffice does.
    func integer(_ i: Int, default fallback: Int? = nil) throws(FormulaError) -> Int {
        if let fallback, isMissing(i) { return fallback }
        let n = try number(i)
        guard abs(n) < 1e15 else { return n < 0 ? -Int(1e15) : Int(1e15) }
        return Int(FormulaApproximation.significant(n).rounded(.towardZero))
    }

    var source: any FormulaCellSource { evaluator.source }
    var host: SheetCell { evaluator.host }
}

/// A function of the library: its name, how many arguments it takes (checked when parsing)
/// and its body.
struct FormulaFunction: Sendable {
    let name: String
    let arity: ClosedRange<Int>
    let body: @Sendable (FormulaCall) throws(FormulaError) -> FormulaOperand

    init(_ name: String, _ arity: ClosedRange<Int>, _ body: @escaping @Sendable (FormulaCall) throws(FormulaError) -> FormulaOperand) {
        self.name = name
        self.arity = arity
        self.body = body
    }

    /// A function that returns a plain value.
    static func value(_ name: String, _ arity: ClosedRange<Int>, _ body: @escaping @Sendable (FormulaCall) throws(FormulaError) -> FormulaValue) -> FormulaFunction {
        FormulaFunction(name, arity) { (call: FormulaCall) throws(FormulaError) -> FormulaOperand in .value(try body(call)) }
    }

    static let variadic = Int.max
}

/// Identifies a library function inside a compiled tree (an index, cheap to hash).
public struct FormulaFunctionID: Hashable, Sendable {
    let index: UInt16
}

/// Every function the engine knows, registered per family (one file each).
enum FormulaFunctionLibrary {
    static let all: [FormulaFunction] =
        FormulaMathFunctions.all + FormulaLogicalFunctions.all + FormulaTextFunctions.all
        + FormulaStatisticalFunctions.all + FormulaLookupFunctions.all

    private static let byName: [String: FormulaFunctionID] = {
        var map: [String: FormulaFunctionID] = [:]
        for (i, function) in all.enumerated() { map[function.name] = FormulaFunctionID(index: UInt16(i)) }
        return map
    }()

    static func id(named upperName: String) -> FormulaFunctionID? { byName[upperName] }

    @inline(__always) static func function(_ id: FormulaFunctionID) -> FormulaFunction { all[Int(id.index)] }

    /// The names of all functions, for documentation and tests.
    static var names: [String] { all.map(\.name) }
}
