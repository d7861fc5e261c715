import Foundation

/// The binary operators' semantics, as LibreOffice Calc: the left operand's error wins,
/// `+`/`-` snap near-cancellations to 0, overflow is `#NUM!`, `/0` is `#DIV/0!`.
enum FormulaOperators {
    static func apply(_ op: FormulaBinaryOperator, _ left: FormulaValue, _ right: FormulaValue) -> FormulaValue {
        do {
            switch op {
            case .add, .subtract, .multiply, .divide, .power:
                let a = try FormulaCoercion.number(left)
                let b = try FormulaCoercion.number(right)
                return arithmetic(op, a, b)
            case .concatenate:
                let a = try FormulaCoercion.text(left)
                let b = try FormulaCoercion.text(right)
                return .text(a + b)
            case .equal: return .boolean(try FormulaCoercion.compare(left, right) == 0)
            case .notEqual: return .boolean(try FormulaCoercion.compare(left, right) != 0)
            case .less: return .boolean(try FormulaCoercion.compare(left, right) < 0)
            case .greater: return .boolean(try FormulaCoercion.compare(left, right) > 0)
            case .lessOrEqual: return .boolean(try FormulaCoercion.compare(left, right) <= 0)
            case .greaterOrEqual: return .boolean(try FormulaCoercion.compare(left, right) >= 0)
            }
        } catch {
            return .error(error)
        }
    }

    @inline(__always) static func arithmetic(_ op: FormulaBinaryOperator, _ a: Double, _ b: Double) -> FormulaValue {
        let result: Double
        switch op {
        case .add: result = FormulaApproximation.add(a, b)
        case .subtract: result = FormulaApproximation.subtract(a, b)
        case .multiply: result = a * b
        case .divide:
            if b == 0 { return .error(.divisionByZero) }
            result = a / b
        default:
            return power(a, b)
        }
        return result.isFinite ? .number(result) : .error(.number)
    }

    /// `^` and POWER: a negative base takes an odd root (`(-8)^(1/3)` is -2), 0 to a negative
    /// power and anything non-finite is `#NUM!`.
    static func power(_ base: Double, _ exponent: Double) -> FormulaValue {
        if base == 0 && exponent < 0 { return .error(.number) }
        var result: Double
        if base < 0 && exponent != 0 && exponent != exponent.rounded() {
            let f = 1 / exponent + (exponent < 0 ? -0.5 : 0.5)
            if abs(f) < 9e18, case let i = Int64(f), i % 2 != 0, FormulaApproximation.equal(1 / Double(i), exponent) {
                result = -pow(-base, exponent)
            } else {
                result = pow(base, exponent)
            }
        } else {
            result = pow(base, exponent)
        }
        // LibreOffice reports underflow too (10^-400, 2^-1074), not just overflow.
        guard result.isFinite, result == 0 ? base == 0 : abs(result) >= Double.leastNormalMagnitude else { return .error(.number) }
        return .number(result)
    }
}
