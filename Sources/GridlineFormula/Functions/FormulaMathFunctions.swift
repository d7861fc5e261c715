import Foundation

/// ROUND, ROUNDUP, ROUNDDOWN, ABS, SQRT, POWER, MOD, INT (SUM and PRODUCT are aggregates).
enum FormulaMathFunctions {
    static let all: [FormulaFunction] = [
        rounding("ROUND", .halfAwayFromZero),
        rounding("ROUNDUP", .awayFromZero),
        rounding("ROUNDDOWN", .towardZero),
        .value("ABS", 1...1) { call throws(FormulaError) in .number(abs(try call.number(0))) },
        .value("SQRT", 1...1) { call throws(FormulaError) in
            let n = try call.number(0)
            guard n >= 0 else { throw .number }
            return .number(n.squareRoot())
        },
        .value("POWER", 2...2) { call throws(FormulaError) in
            let base = try call.number(0)
            return FormulaOperators.power(base, try call.number(1))
        },
        .value("MOD", 2...2) { call throws(FormulaError) in
            // The divisor first, as LibreOffice: MOD("x",0) is #DIV/0!.
            let divisor = try call.number(1)
            guard divisor != 0 else { throw .divisionByZero }
            return try mod(try call.number(0), divisor)
        },
        .value("INT", 1...1) { call throws(FormulaError) in .number(FormulaApproximation.floor(try call.number(0))) },
    ]

    private static func rounding(_ name: String, _ mode: FormulaApproximation.RoundingMode) -> FormulaFunction {
        .value(name, 1...2) { call throws(FormulaError) in
            let value = try call.number(0)
            let places = try call.integer(1, default: 0)
            guard places >= -32768, places <= 32767 else { throw .number }  // LibreOffice's 16-bit places
            return .number(FormulaApproximation.round(value, places: places, mode: mode))
        }
    }

    /// The remainder with the divisor's sign (`MOD(-7,3)` is 2, `MOD(7,-3)` is -2).
    static func mod(_ number: Double, _ divisor: Double) throws(FormulaError) -> FormulaValue {
        guard divisor != 0 else { throw .divisionByZero }
        let quotient = number / divisor
        guard quotient.isFinite else { throw .number }
        let result = FormulaApproximation.subtract(number, FormulaApproximation.floor(quotient) * divisor)
        if (divisor > 0 && result >= 0 && result < divisor) || (divisor < 0 && result <= 0 && result > divisor) {
            return .number(result)
        }
        throw .value
    }
}
