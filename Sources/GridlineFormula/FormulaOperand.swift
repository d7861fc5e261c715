/// What an argument evaluates to before a function decides how to read it: a value, or a
/// reference (a single cell is not the same as its value: `SUM(A1)` skips text in A1,
/// `SUM("x")` is `#VALUE!`).
public enum FormulaOperand: Sendable {
    case value(FormulaValue)
    case cell(SheetCell)
    case range(SheetRect)
}
