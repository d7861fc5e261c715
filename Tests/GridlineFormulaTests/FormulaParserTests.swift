import GridlineFormula
import XCTest

final class FormulaParserTests: XCTestCase {
    func testUnaryMinusBindsTighterThanPower() throws {
        XCTAssertEqual(try evaluate("=-2^2"), .number(4))
    }

    func testPowerIsLeftAssociativeAsInLibreOffice() throws {
        XCTAssertEqual(try evaluate("=2^3^2"), .number(64))
    }

    func testPercentBindsTighterThanPowerAndUnaryMinus() throws {
        XCTAssertEqual(try evaluate("=2^200%"), .number(4))
        XCTAssertEqual(try evaluate("=-50%"), .number(-0.5))
        XCTAssertEqual(try evaluate("=5%%"), .number(0.0005))
    }

    func testOperatorPrecedenceFollowsCalc() throws {
        XCTAssertEqual(try evaluate("=1+2*3"), .number(7))
        XCTAssertEqual(try evaluate("=1+2&3"), .text("33"))
        XCTAssertEqual(try evaluate("=1+1=2"), .boolean(true))
        XCTAssertEqual(try evaluate("=(1+2)*3"), .number(9))
    }

    func testNumberForms() throws {
        XCTAssertEqual(try evaluate("=1e3"), .number(1000))
        XCTAssertEqual(try evaluate("=.5"), .number(0.5))
        XCTAssertEqual(try evaluate("=1.5E-2"), .number(0.015))
    }

    func testStringsInDoubleAndSingleQuotes() throws {
        XCTAssertEqual(try evaluate("=CONCATENATE('Hello', ' ', 'World')"), .text("Hello World"))
        XCTAssertEqual(try evaluate(#"="say ""hi"""&'it''s'"#), .text(#"say "hi"it's"#))
    }

    func testFunctionNamesAreCaseInsensitiveAndSemicolonSeparatesToo() throws {
        XCTAssertEqual(try evaluate("=sum(1;2,3)"), .number(6))
        XCTAssertEqual(try evaluate("=true"), .boolean(true))
    }

    func testReferencesPastTheGridAreNames() throws {
        XCTAssertEqual(try evaluate("=XFE1"), .error(.name))
        XCTAssertEqual(try evaluate("=A10000000"), .error(.name))
        XCTAssertEqual(try evaluate("=XFD1048576"), .number(0))
        XCTAssertEqual(try evaluate("=foo"), .error(.name))
        XCTAssertEqual(try evaluate("=NOSUCHFUNCTION(1)"), .error(.name))
    }

    func testReversedRangeIsNormalised() throws {
        let host = SheetCell(column: 8, row: 1)
        XCTAssertEqual(try FormulaParser.parse("=SUM(B5:A1)", at: host), try FormulaParser.parse("=SUM(A1:B5)", at: host))
        let precedents = try FormulaCompiler().compile("=SUM(B5:A1)", at: host).precedents(at: host)
        XCTAssertEqual(precedents.ranges, [SheetRect(top: 1, left: 1, bottom: 5, right: 2)])
    }

    func testWholeColumnsAndRowsAreRects() throws {
        let host = SheetCell(column: 8, row: 3)
        let precedents = try FormulaCompiler().compile("=SUM($A:C)+SUM(2:2)", at: host).precedents(at: host)
        XCTAssertEqual(precedents.ranges, [
            SheetRect(top: 1, left: 1, bottom: SheetLimits.maxRow, right: 3),
            SheetRect(top: 2, left: 1, bottom: 2, right: SheetLimits.maxColumn),
        ])
    }

    func testParseErrorsCarryPositionAndExpectation() {
        XCTAssertEqual(parseError("=SUM(1,2"), FormulaParseError(position: 8, expected: "')'"))
        XCTAssertEqual(parseError("=SUM(1,2"), FormulaParseError(position: 8, expected: "')'"))
        XCTAssertEqual(parseError("=(1+2"), FormulaParseError(position: 5, expected: "')'"))
        XCTAssertEqual(parseError("=1+2)")?.position, 4)
        XCTAssertEqual(parseError("1+2"), FormulaParseError(position: 0, expected: "'='"))
        XCTAssertEqual(parseError("="), FormulaParseError(position: 1, expected: "a value"))
        XCTAssertEqual(parseError("=1+"), FormulaParseError(position: 3, expected: "a value"))
        XCTAssertEqual(parseError(#"="abc"#), FormulaParseError(position: 1, expected: #"a closing '"'"#))
        XCTAssertEqual(parseError("='abc"), FormulaParseError(position: 1, expected: "a closing \"'\""))
        XCTAssertEqual(parseError("=ROUND()"), FormulaParseError(position: 1, expected: "1 to 2 arguments to ROUND"))
        XCTAssertEqual(parseError("=SUM(1,2")?.description, "position 8: expected ')'")
    }

    func testParseErrorPositionsCountCharactersNotBytes() {
        XCTAssertEqual(parseError("=\"é\"+(1"), FormulaParseError(position: 7, expected: "')'"))
    }

    func testSixtyFourLevelsParseAndSixtyFiveAreRefused() throws {
        let ok = "=" + String(repeating: "(", count: 64) + "1" + String(repeating: ")", count: 64)
        XCTAssertEqual(try evaluate(ok), .number(1))
        let calls = "=" + String(repeating: "ABS(", count: 64) + "-1" + String(repeating: ")", count: 64)
        XCTAssertEqual(try evaluate(calls), .number(1))
        let deep = "=" + String(repeating: "(", count: 65) + "1" + String(repeating: ")", count: 65)
        XCTAssertEqual(parseError(deep), FormulaParseError(position: 65, expected: "at most 64 levels of nesting"))
    }

    func testFormulaTextIsLimitedToEightKiB() throws {
        let fits = "=" + String(repeating: "1+", count: 4095) + "1"  // 8,192 bytes
        XCTAssertEqual(fits.utf8.count, 8192)
        XCTAssertEqual(try evaluate(fits), .number(4096))
        XCTAssertEqual(parseError(fits + "0"), FormulaParseError(position: 8192, expected: "at most 8192 bytes of formula"))
    }

    func testLongOperatorRunsDoNotDeepenTheTree() throws {
        let minus = "=" + String(repeating: "-", count: 8000) + "1"
        XCTAssertEqual(try evaluate(minus), .number(1))
        XCTAssertEqual(try evaluate("=" + String(repeating: "-", count: 7999) + "1"), .number(-1))
    }

    func testTenThousandArgumentsParseInLinearTime() throws {
        let text = "=SUM(" + Array(repeating: "1", count: 10_000).joined(separator: ",") + ")"
        let started = Date()
        let node = try FormulaParser.parse(text, at: SheetCell(column: 1, row: 1), limits: .init(maxBytes: 1 << 20))
        let source = FormulaDictionarySource()
        XCTAssertEqual(FormulaEvaluator(source: source, host: SheetCell(column: 1, row: 1)).evaluate(node), .number(10_000))
        print("FormulaParser: 10,000 arguments parsed and summed in \(Date().timeIntervalSince(started) * 1000) ms")
        // Inside the standard 8 KiB the same formula is refused with a clear error.
        XCTAssertEqual(parseError(text)?.expected, "at most 8192 bytes of formula")
    }
}
