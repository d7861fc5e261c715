import Foundation

/// Evaluates formula trees for one host cell against a `FormulaCellSource`. A plain tree
/// walk: recursion depth is bounded by the parser's nesting limit (see `FormulaNode`).
public struct FormulaEvaluator {
    public let source: any FormulaCellSource
    public let host: SheetCell

    public init(source: any FormulaCellSource, host: SheetCell) {
        self.source = source
        self.host = host
    }

    /// The formula's result as a cell shows it: an empty result is 0 (as `=A1` of an empty
    /// A1 is 0), a range is read at the host's row or column, -0 is 0.
    public func evaluate(_ formula: CompiledFormula) -> FormulaValue {
        if let fast = formula.fastPath, let result = fast.evaluate(source, at: host) {
            if case .number(let n) = result, n == 0 { return .number(0) }  // never -0
            return result
        }
        return evaluate(formula.root)
    }

    public func evaluate(_ node: FormulaNode) -> FormulaValue {
        switch value(node) {
        case .empty: return .number(0)
        case .number(let n) where n == 0: return .number(0)
        case let result: return result
        }
    }

    /// The node's value in a scalar position.
    func value(_ node: FormulaNode) -> FormulaValue {
        switch node {
        case .number(let n): return .number(n)
        case .cell(let reference):
            guard let cell = reference.resolve(at: host) else { return .error(.reference) }
            return source.value(at: cell)
        case .chain(let first, let links): return evaluateChain(first, links)
        case .text(let s): return .text(s)
        case .boolean(let b): return .boolean(b)
        case .error(let e): return .error(e)
        case .range(let reference):
            guard let rect = reference.resolve(at: host) else { return .error(.reference) }
            return intersect(rect)
        case .name, .unknownCall: return .error(.name)
        case .missing: return .empty
        case .negate(let operand, let count):
            do {
                let n = try FormulaCoercion.number(value(operand))
                return .number(count % 2 == 1 ? -n : n)
            } catch { return .error(error) }
        case .percent(let operand, let count):
            do {
                var n = try FormulaCoercion.number(value(operand))
                for _ in 0..<min(count, 400) { n /= 100 }
                return .number(n)
            } catch { return .error(error) }
        case .call:
            return scalar(operand(node))
        }
    }

    /// The node kept as a reference where it is one (`A1`, `A1:B2`, INDEX(…), IF(…, A1:A3)).
    func operand(_ node: FormulaNode) -> FormulaOperand {
        switch node {
        case .cell(let reference):
            guard let cell = reference.resolve(at: host) else { return .value(.error(.reference)) }
            return .cell(cell)
        case .range(let reference):
            guard let rect = reference.resolve(at: host) else { return .value(.error(.reference)) }
            return .range(rect)
        case .call(let id, let arguments):
            let function = FormulaFunctionLibrary.function(id)
            let call = FormulaCall(evaluator: self, arguments: arguments, functionName: function.name)
            do {
                return try function.body(call)
            } catch {
                return .value(.error(error))
            }
        default:
            return .value(value(node))
        }
    }

    /// A reference read as one value: a single cell, or the cell of a one-column (one-row)
    /// range in the host's row (column), else `#VALUE!` (implicit intersection).
    func scalar(_ operand: FormulaOperand) -> FormulaValue {
        switch operand {
        case .value(let v): return v
        case .cell(let cell): return source.value(at: cell)
        case .range(let rect): return intersect(rect)
        }
    }

    func intersect(_ rect: SheetRect) -> FormulaValue {
        if rect.top == rect.bottom, rect.left == rect.right {
            return source.value(at: SheetCell(column: rect.left, row: rect.top))
        }
        if rect.left == rect.right, host.row >= rect.top, host.row <= rect.bottom {
            return source.value(at: SheetCell(column: rect.left, row: host.row))
        }
        if rect.top == rect.bottom, host.column >= rect.left, host.column <= rect.right {
            return source.value(at: SheetCell(column: host.column, row: rect.top))
        }
        return .error(.value)
    }

    /// Left to right; as in LibreOffice, an error computed by an operand (`NA()`, `1/0`) wins
    /// over an error read from a cell or raised by converting text, whichever side it is on,
    /// and any error on the right wins over computed text on the left that is not a number.
    private func evaluateChain(_ first: FormulaNode, _ links: [FormulaChainLink]) -> FormulaValue {
        var left = value(first)
        var leftIsComputedError = left.error != nil && !first.isReference
        var leftIsComputedText = !first.isReference
        for link in links {
            let right = value(link.operand)
            if !leftIsComputedError, let error = right.error {
                if !link.operand.isReference || (leftIsComputedText && Self.failsAsNumber(left, link.op)) {
                    left = .error(error)
                    leftIsComputedError = true
                    leftIsComputedText = true
                    continue
                }
            }
            left = FormulaOperators.apply(link.op, left, right)
            leftIsComputedError = left.error != nil
            leftIsComputedText = true
        }
        return left
    }

    private static func failsAsNumber(_ value: FormulaValue, _ op: FormulaBinaryOperator) -> Bool {
        guard op.precedence >= 3, case .text(let s) = value else { return false }
        return FormulaCoercion.parseNumber(s) == nil
    }
}

extension FormulaNode {
    var isReference: Bool {
        switch self {
        case .cell, .range: return true
        default: return false
        }
    }
}
