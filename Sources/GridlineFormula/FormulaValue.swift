/// An error value a formula can produce, spelled as spreadsheets show it (SPEC §14).
public enum FormulaError: String, Error, Hashable, Sendable, CaseIterable {
    case divisionByZero = "#DIV/0!"
    case value = "#VALUE!"
    case reference = "#REF!"
    case name = "#NAME?"
    case notAvailable = "#N/A"
    case number = "#NUM!"
    case cycle = "#CYCLE!"

    /// The text a cell shows, and what SPEC §14 puts in a cell's `value` and `error`.
    @inlinable public var text: String { rawValue }

    /// The error spelled `text`, case-insensitively (`#n/a` too).
    public init?(text: String) {
        guard let error = FormulaError.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) }) else { return nil }
        self = error
    }
}

extension String {
    fileprivate func caseInsensitiveCompare(_ other: String) -> Bool {
        uppercased() == other.uppercased()
    }
}

/// A cell's value as formulas see it: what a cell holds, what an expression yields.
public enum FormulaValue: Hashable, Sendable {
    case number(Double)
    case text(String)
    case boolean(Bool)
    case error(FormulaError)
    /// A cell with nothing in it: 0 to arithmetic, "" to text functions.
    case empty

    /// The error this value is, if it is one.
    @inlinable public var error: FormulaError? {
        if case .error(let error) = self { return error }
        return nil
    }

    /// How the value goes into a JSON cell (SPEC §14: an error's `value` is its text).
    public var jsonKind: FormulaJSONKind {
        switch self {
        case .number(let number): return .number(number)
        case .text(let text): return .string(text)
        case .boolean(let flag): return .bool(flag)
        case .error(let error): return .string(error.text)
        case .empty: return .null
        }
    }
}

/// The JSON shape of a `FormulaValue`, for callers that encode cells without this module
/// knowing any JSON library.
public enum FormulaJSONKind: Hashable, Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
}
