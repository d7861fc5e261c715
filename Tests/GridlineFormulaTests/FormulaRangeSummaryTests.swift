import GridlineFormula
import XCTest

/// SUM, AVERAGE, MIN, MAX and COUNT over one range read the source's summary of it: one walk
/// shared by every such call, with the same results, to the bit, as walking the values per call.
final class FormulaRangeSummaryTests: XCTestCase {
    /// A dictionary source that keeps each range's summary and counts the walks that built them.
    private final class CachingSource: FormulaCellSource {
        var cells = FormulaDictionarySource()
        var summaries: [SheetRect: FormulaRangeSummary] = [:]
        var walks = 0

        func value(at cell: SheetCell) -> FormulaValue { cells.value(at: cell) }

        func forEachValue(in rect: SheetRect, _ body: (SheetCell, FormulaValue) -> Void) {
            cells.forEachValue(in: rect, body)
        }

        func rangeSummary(in rect: SheetRect) -> FormulaRangeSummary {
            if let summary = summaries[rect] { return summary }
            walks += 1
            let summary = cells.rangeSummary(in: rect)
            summaries[rect] = summary
            return summary
        }
    }

    private func evaluate(_ text: String, _ source: any FormulaCellSource) throws -> FormulaValue {
        let host = SheetCell(column: 8, row: 1)
        return FormulaEvaluator(source: source, host: host).evaluate(try FormulaCompiler().compile(text, at: host))
    }

    private func column(_ values: [FormulaValue]) -> CachingSource {
        let source = CachingSource()
        for (index, value) in values.enumerated() { source.cells[SheetCell(column: 1, row: Int32(index + 1))] = value }
        return source
    }

    func testAggregatesOverOneRangeShareOneWalk() throws {
        let source = column((1...10).map { .number(Double($0)) } + [.text("x"), .boolean(true)])
        XCTAssertEqual(try evaluate("=SUM(A1:A12)", source), .number(56))
        XCTAssertEqual(try evaluate("=AVERAGE(A1:A12)", source), .number(56.0 / 11))
        XCTAssertEqual(try evaluate("=MIN(A1:A12)", source), .number(1))
        XCTAssertEqual(try evaluate("=MAX(A1:A12)", source), .number(10))
        XCTAssertEqual(try evaluate("=COUNT(A1:A12)", source), .number(11))
        XCTAssertEqual(source.walks, 1)
        XCTAssertEqual(try evaluate("=MAX(A2:A12)", source), .number(10))
        XCTAssertEqual(source.walks, 2, "another range is walked once more")
    }

    func testARangeErrorWinsOverEveryAnswerButCount() throws {
        let source = column([.number(1), .error(.notAvailable), .number(3), .error(.divisionByZero)])
        for function in ["SUM", "AVERAGE", "MIN", "MAX"] {
            XCTAssertEqual(try evaluate("=\(function)(A1:A4)", source), .error(.notAvailable), function)
        }
        XCTAssertEqual(try evaluate("=COUNT(A1:A4)", source), .number(2))
        XCTAssertEqual(try evaluate("=AVERAGE(A5:A9)", source), .error(.divisionByZero), "no numbers")
        XCTAssertEqual(try evaluate("=MIN(A5:A9)", source), .number(0))
        XCTAssertEqual(try evaluate("=MAX(A5:A9)", source), .number(0))
    }

    func testSummaryAnswersMatchThePerCallWalkToTheBit() throws {
        // Sums whose compensated result depends on the order of the terms; a trailing empty
        // argument (`A1:A400,`) makes the call take the per-call walk instead of the summary.
        var values: [FormulaValue] = []
        for i in 1...400 {
            switch i % 5 {
            case 0: values.append(.number(1e15 + Double(i) / 7))
            case 1: values.append(.number(-1e15))
            case 2: values.append(.number(0.1 * Double(i)))
            case 3: values.append(.boolean(i % 2 == 0))
            default: values.append(.number(-Double(i) / 3))
            }
        }
        let source = column(values)
        for function in ["SUM", "AVERAGE", "MIN", "MAX", "COUNT"] {
            let shared = try evaluate("=\(function)(A1:A400)", source)
            let walked = try evaluate("=\(function)(A1:A400,)", source)
            guard case .number(let a) = shared, case .number(let b) = walked else {
                return XCTFail("\(function): \(shared) and \(walked)")
            }
            XCTAssertEqual(a.bitPattern, b.bitPattern, "\(function): \(a) against \(b)")
        }
        XCTAssertEqual(source.walks, 1)
    }
}
