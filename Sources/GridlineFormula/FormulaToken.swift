/// One lexical unit of a formula, with the byte offset it starts at.
struct FormulaToken {
    enum Kind: Equatable {
        case number(Double)
        case text(String)
        /// A name: a function's (when `(` follows), TRUE/FALSE, or an unknown name.
        case word(String)
        /// `A1`, `$A$1`: the cell and its absolute flags (`$` on column, on row).
        case cell(SheetCell, Bool, Bool)
        case range(FormulaRangeLiteral)
        case error(FormulaError)
        case op(FormulaOperatorSymbol)
        case openParen, closeParen, separator, end
    }

    var kind: Kind
    var offset: Int
}

/// A range as written, before it is made relative to its host.
struct FormulaRangeLiteral: Equatable {
    var start: SheetCell
    var end: SheetCell
    var startAbsolute: (column: Bool, row: Bool)
    var endAbsolute: (column: Bool, row: Bool)
    var shape: FormulaRangeReference.Shape

    static func == (a: FormulaRangeLiteral, b: FormulaRangeLiteral) -> Bool {
        a.start == b.start && a.end == b.end && a.shape == b.shape
            && a.startAbsolute == b.startAbsolute && a.endAbsolute == b.endAbsolute
    }
}

/// Operator characters (and pairs) as the lexer reads them.
enum FormulaOperatorSymbol: Equatable {
    case plus, minus, times, divide, caret, ampersand, percent
    case equal, notEqual, less, greater, lessOrEqual, greaterOrEqual

    var binary: FormulaBinaryOperator? {
        switch self {
        case .plus: return .add
        case .minus: return .subtract
        case .times: return .multiply
        case .divide: return .divide
        case .caret: return .power
        case .ampersand: return .concatenate
        case .equal: return .equal
        case .notEqual: return .notEqual
        case .less: return .less
        case .greater: return .greater
        case .lessOrEqual: return .lessOrEqual
        case .greaterOrEqual: return .greaterOrEqual
        case .percent: return nil
        }
    }
}
