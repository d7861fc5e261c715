/// The shapes most formulas have (`=A1+1`, `=A1*B1`, `=A1`), recognised once at compile
/// time and evaluated without walking the tree: the 100,000-cell chain's hot path.
enum FormulaFastPath: Sendable {
    case cell(FormulaCellReference)
    case cellAndNumber(FormulaCellReference, FormulaBinaryOperator, Double)
    case cellAndCell(FormulaCellReference, FormulaBinaryOperator, FormulaCellReference)

    init?(_ root: FormulaNode) {
        switch root {
        case .cell(let reference): self = .cell(reference)
        case .chain(.cell(let reference), let links) where links.count == 1 && links[0].op.precedence >= 4 || links.count == 1 && links[0].op.precedence == 3:
            switch links[0].operand {
            case .number(let n): self = .cellAndNumber(reference, links[0].op, n)
            case .cell(let other): self = .cellAndCell(reference, links[0].op, other)
            default: return nil
            }
        default: return nil
        }
    }

    /// The result when both operands are plain numbers; nil sends the caller down the
    /// general path (which handles text, errors, empties and bad references the same way).
    @inline(__always) func evaluate(_ source: any FormulaCellSource, at host: SheetCell) -> FormulaValue? {
        switch self {
        case .cell(let reference):
            guard let cell = reference.resolve(at: host), case .number(let n) = source.value(at: cell), n != 0 else { return nil }
            return .number(n)
        case .cellAndNumber(let reference, let op, let b):
            guard let cell = reference.resolve(at: host), case .number(let a) = source.value(at: cell) else { return nil }
            return FormulaOperators.arithmetic(op, a, b)
        case .cellAndCell(let left, let op, let right):
            guard let l = left.resolve(at: host), case .number(let a) = source.value(at: l),
                let r = right.resolve(at: host), case .number(let b) = source.value(at: r)
            else { return nil }
            return FormulaOperators.arithmetic(op, a, b)
        }
    }
}
