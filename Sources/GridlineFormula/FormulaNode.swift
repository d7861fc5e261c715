/// A parsed formula: the tree the evaluator walks. References are in relative form (see
/// `FormulaCellReference`), so the tree does not depend on its host cell and equal trees
/// are interned by `FormulaCompiler`.
///
/// Left-associative operator runs (`1+2-3+…`) are one `.chain` node and runs of unary minus
/// are folded, so the tree's depth is bounded by the 64 nesting levels the parser allows,
/// whatever the formula's length: evaluating it cannot exhaust the stack.
public indirect enum FormulaNode: Hashable, Sendable {
    case number(Double)
    case text(String)
    case boolean(Bool)
    case error(FormulaError)
    case cell(FormulaCellReference)
    case range(FormulaRangeReference)
    /// A name that is neither a function call nor a reference on the grid (`foo`, `XFE1`).
    case name(String)
    /// An argument left out (`IF(A1,,2)`).
    case missing
    /// `-x` (count 1) or `--x` (count 2; longer runs fold to these by parity).
    case negate(FormulaNode, count: UInt8)
    /// `x%`, `x%%`…: divides by 100 per sign.
    case percent(FormulaNode, count: Int32)
    /// `first op₁ x₁ op₂ x₂ …`, operators of one precedence level, applied left to right.
    case chain(FormulaNode, [FormulaChainLink])
    case call(FormulaFunctionID, [FormulaNode])
    /// A function this engine does not know: parses, evaluates to `#NAME?`.
    case unknownCall(String, [FormulaNode])
}

/// One `op operand` step of a `FormulaNode.chain`.
public struct FormulaChainLink: Hashable, Sendable {
    public var op: FormulaBinaryOperator
    public var operand: FormulaNode

    public init(_ op: FormulaBinaryOperator, _ operand: FormulaNode) {
        self.op = op
        self.operand = operand
    }
}

/// Binary operators, with LibreOffice Calc's precedence (higher binds tighter).
public enum FormulaBinaryOperator: UInt8, Hashable, Sendable {
    case add, subtract, multiply, divide, power, concatenate
    case equal, notEqual, less, greater, lessOrEqual, greaterOrEqual

    /// 5 `^`, 4 `* /`, 3 `+ -`, 2 `&`, 1 comparisons; all left-associative (`2^3^2` is 64).
    public var precedence: Int {
        switch self {
        case .power: return 5
        case .multiply, .divide: return 4
        case .add, .subtract: return 3
        case .concatenate: return 2
        default: return 1
        }
    }
}
