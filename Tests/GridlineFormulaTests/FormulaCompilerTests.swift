import GridlineFormula
import XCTest

final class FormulaCompilerTests: XCTestCase {
    func testFilledDownFormulasShareOneCompiledTree() throws {
        let compiler = FormulaCompiler()
        let first = try compiler.compile("=A1+1", at: SheetCell(column: 2, row: 1))
        let second = try compiler.compile("=A2+1", at: SheetCell(column: 2, row: 2))
        let absolute = try compiler.compile("=$A$1+1", at: SheetCell(column: 2, row: 2))
        XCTAssertTrue(first === second)
        XCTAssertFalse(first === absolute)
        XCTAssertEqual(compiler.internedCount, 2)
        XCTAssertEqual(second.precedents(at: SheetCell(column: 2, row: 2)).cells, [SheetCell(column: 1, row: 2)])
        XCTAssertEqual(absolute.precedents(at: SheetCell(column: 2, row: 7)).cells, [SheetCell(column: 1, row: 1)])
    }

    func testMixedReferencesKeepTheirAbsoluteParts() throws {
        let compiler = FormulaCompiler()
        let formula = try compiler.compile("=A$1+$B2", at: SheetCell(column: 3, row: 2))
        XCTAssertEqual(formula.precedents(at: SheetCell(column: 4, row: 5)).cells, [
            SheetCell(column: 2, row: 1), SheetCell(column: 2, row: 5),
        ])
    }

    func testPurgeForgetsTreesNoCellHolds() throws {
        let compiler = FormulaCompiler()
        var kept: CompiledFormula? = try compiler.compile("=A1", at: SheetCell(column: 2, row: 1))
        _ = try compiler.compile("=A1*2", at: SheetCell(column: 2, row: 1))
        compiler.purgeUnused()
        XCTAssertEqual(compiler.internedCount, 1)
        XCTAssertNotNil(kept)
        kept = nil
        compiler.purgeUnused()
        XCTAssertEqual(compiler.internedCount, 0)
    }

    func testReferencesMovedOffTheGridAreRefErrorsWithoutPrecedents() throws {
        let formula = try FormulaCompiler().compile("=A1", at: SheetCell(column: 2, row: 2))
        let host = SheetCell(column: 1, row: 1)  // one left and up: A1 would be column 0
        XCTAssertEqual(formula.precedents(at: host).cells, [])
        XCTAssertEqual(FormulaEvaluator(source: FormulaDictionarySource(), host: host).evaluate(formula), .error(.reference))
    }

    func testChainOfOneHundredThousandEvaluatesQuickly() throws {
        // Speed is measured and printed, not asserted (release: swift build -c release).
        let compiler = FormulaCompiler()
        var source = FormulaDictionarySource()
        source[SheetCell(column: 1, row: 1)] = .number(1)
        var formulas: [CompiledFormula] = []
        for row in Int32(2)...100_001 {
            formulas.append(try compiler.compile("=A\(row - 1)+1", at: SheetCell(column: 1, row: row)))
        }
        XCTAssertEqual(compiler.internedCount, 1)
        let started = Date()
        for (i, formula) in formulas.enumerated() {
            let host = SheetCell(column: 1, row: Int32(i + 2))
            source[host] = FormulaEvaluator(source: source, host: host).evaluate(formula)
        }
        let elapsed = Date().timeIntervalSince(started)
        print("FormulaEvaluator: 100,000-cell chain (evaluate + store) in \(String(format: "%.1f", elapsed * 1000)) ms")
        XCTAssertEqual(source[SheetCell(column: 1, row: 100_001)], .number(100_001))
    }

    func testJSONKindsOfValues() {
        XCTAssertEqual(FormulaValue.number(2).jsonKind, .number(2))
        XCTAssertEqual(FormulaValue.text("x").jsonKind, .string("x"))
        XCTAssertEqual(FormulaValue.boolean(true).jsonKind, .bool(true))
        XCTAssertEqual(FormulaValue.error(.divisionByZero).jsonKind, .string("#DIV/0!"))
        XCTAssertEqual(FormulaValue.empty.jsonKind, .null)
        XCTAssertEqual(FormulaError.allCases.map(\.text), ["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NUM!", "#CYCLE!"])
    }

    func testAggregateCacheIsConsultedForSingleRangeCalls() throws {
        final class CountingSource: FormulaCellSource {
            var cells = FormulaDictionarySource()
            var cache: [FormulaAggregateKey: FormulaValue] = [:]
            var scans = 0
            func value(at cell: SheetCell) -> FormulaValue { cells.value(at: cell) }
            func forEachValue(in rect: SheetRect, _ body: (SheetCell, FormulaValue) -> Void) {
                scans += 1
                cells.forEachValue(in: rect, body)
            }
            func cachedAggregate(for key: FormulaAggregateKey) -> FormulaValue? { cache[key] }
            func storeAggregate(_ value: FormulaValue, for key: FormulaAggregateKey) { cache[key] = value }
        }
        let source = CountingSource()
        for row in Int32(1)...100 { source.cells[SheetCell(column: 1, row: row)] = .number(Double(row)) }
        let formula = try FormulaCompiler().compile("=SUM(A1:A100)", at: SheetCell(column: 2, row: 1))
        let evaluator = FormulaEvaluator(source: source, host: SheetCell(column: 2, row: 1))
        XCTAssertEqual(evaluator.evaluate(formula), .number(5050))
        XCTAssertEqual(evaluator.evaluate(formula), .number(5050))
        XCTAssertEqual(source.scans, 1)
        XCTAssertEqual(source.cache[FormulaAggregateKey(function: "SUM", rect: SheetRect(top: 1, left: 1, bottom: 100, right: 1))], .number(5050))
    }
}
