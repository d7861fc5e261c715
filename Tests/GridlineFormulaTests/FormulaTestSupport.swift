import GridlineFormula
import XCTest

/// Evaluates `text` hosted at `host` (default H1) over `cells` given in A1 notation.
func evaluate(_ text: String, at host: String = "H1", _ cells: [String: FormulaValue] = [:]) throws -> FormulaValue {
    var source = FormulaDictionarySource()
    for (a1, value) in cells { source[try XCTUnwrap(CorpusAddress.cell(a1))] = value }
    let hostCell = try XCTUnwrap(CorpusAddress.cell(host))
    let compiled = try FormulaCompiler().compile(text, at: hostCell)
    return FormulaEvaluator(source: source, host: hostCell).evaluate(compiled)
}

func parseError(_ text: String) -> FormulaParseError? {
    do {
        _ = try FormulaParser.parse(text, at: SheetCell(column: 8, row: 1))
        return nil
    } catch {
        return error
    }
}
