import GridlineFormula
import XCTest

/// Edge cases per function; expected values are LibreOffice Calc 7.4's (checked with the
/// corpus tooling), except the deliberate differences SPEC §14 names.
final class FormulaFunctionTests: XCTestCase {
    let grid: [String: FormulaValue] = [
        "A1": .number(1.5), "A2": .text("abc"), "A3": .boolean(true), "A5": .text("5"), "A6": .number(-2),
        "A7": .text("ABC"), "A8": .error(.divisionByZero), "A9": .error(.notAvailable), "A10": .number(3),
        "E1": .number(10), "E2": .number(20), "E3": .number(30), "F1": .text("ten"), "F2": .text("twenty"), "F3": .text("thirty"),
    ]

    func check(_ formula: String, _ expected: FormulaValue, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try evaluate(formula, grid), expected, formula, file: file, line: line)
    }

    func testArithmeticSnapsNearCancellationsToZero() {
        check("=0.1+0.2-0.3", .number(0))
        check("=SUM(0.1,0.2,-0.3)", .number(0))
        check("=1.1-1", .number(0.10000000000000009))
    }

    func testDivisionByZeroAndHugeExponents() {
        check("=1/0", .error(.divisionByZero))
        check("=10^400", .error(.number))
        check("=10^-400", .error(.number))
        check("=0^-1", .error(.number))
        check("=0^0", .number(1))
        check("=(-8)^(1/3)", .number(-2))
        check("=1E+308*10", .error(.number))
    }

    func testTextWhereNumbersAreExpectedIsValueError() {
        check("=A2+1", .error(.value))
        check("=\"abc\"*2", .error(.value))
        check("=ABS(A2)", .error(.value))
        check("=A5+1", .number(6))
        check("=\" 5\"+1", .number(6))
        check("=\"1,000\"+0", .number(1000))
        check("=\"\"+1", .error(.value))
        check("=A4+1", .number(1))
    }

    func testErrorsPropagateLeftFirstButComputedErrorsWin() {
        check("=A8+A9", .error(.divisionByZero))
        check("=A9+A8", .error(.notAvailable))
        check("=A2+A9", .error(.value))
        check("=A8+NA()", .error(.notAvailable))
    }

    func testConcatenationFormatsNumbersLikeGeneral() {
        check("=1/3&\"\"", .text("0.333333333333333"))
        check("=10^20&\"\"", .text("1E+20"))
        check("=1e15&\"\"", .text("1000000000000000"))
        check("=123456789012345678&\"\"", .text("1.23456789012346E+17"))
        check("=1e-20&\"\"", .text("1E-20"))
        check("=0.000012345&\"\"", .text("0.000012345"))
        check("=\"x\"&-0.5", .text("x-0.5"))
        check("=A3&\"\"", .text("1"))  // LibreOffice: booleans are numbers
        check("=A4&\"x\"", .text("x"))
    }

    func testComparisonsAreCaseInsensitiveAndOrderNumbersBeforeText() {
        check("=A2=\"ABC\"", .boolean(true))
        check("=A2=A7", .boolean(true))
        check("=\"a\"<\"B\"", .boolean(true))
        check("=1<\"a\"", .boolean(true))
        check("=TRUE>\"a\"", .boolean(false))
        check("=TRUE=1", .boolean(true))
        check("=A4=0", .boolean(true))
        check("=A4=\"\"", .boolean(true))
        check("=0.1+0.2=0.3", .boolean(true))
    }

    func testAggregatesSkipTextInReferencesAndCoerceDirectArguments() {
        check("=SUM(A1,A2,A3,A5,A6,A10)", .number(3.5))
        check("=SUM(TRUE,1)", .number(2))
        check("=SUM(\"3\")", .error(.value))
        check("=SUM(A1:A10)", .error(.divisionByZero))
        check("=SUM(A1:A7)", .number(0.5))
        check("=SUM()", .number(0))
        check("=AVERAGE(A1:A7)", .number(0.5 / 3))
        check("=AVERAGE(A2)", .error(.divisionByZero))
        check("=MIN(A2)", .number(0))
        check("=MAX(A1:A7)", .number(1.5))
        check("=MIN(A1:A7)", .number(-2))
        check("=MAX(\"3\",1)", .error(.value))
        check("=PRODUCT(A1,A6)", .number(-3))
        check("=PRODUCT(A2)", .number(0))
    }

    func testCountingFunctions() {
        check("=COUNT(A1:A10)", .number(4))
        check("=COUNT(TRUE,\"3\",\"a\",1)", .number(3))
        check("=COUNTA(A1:A10)", .number(9))
        check("=COUNTBLANK(A1:A10)", .number(1))
        check("=COUNTBLANK(A:A)", .number(Double(SheetLimits.maxRow - 9)))
    }

    func testRoundingFunctions() {
        check("=ROUND(2.5,0)", .number(3))
        check("=ROUND(-2.5,0)", .number(-3))
        check("=ROUND(2.675,2)", .number(2.68))
        check("=ROUND(1234.5678,-2)", .number(1200))
        check("=ROUND(1.5,)", .number(2))
        check("=ROUNDUP(-2.1,0)", .number(-3))
        check("=ROUNDDOWN(-2.9,0)", .number(-2))
        check("=ROUND(1,32768)", .error(.number))
        check("=INT(-2.5)", .number(-3))
        check("=INT(2.9)", .number(2))
    }

    func testModTakesTheDivisorsSign() {
        check("=MOD(-7,3)", .number(2))
        check("=MOD(7,-3)", .number(-2))
        check("=MOD(5.5,2)", .number(1.5))
        check("=MOD(5,0)", .error(.divisionByZero))
        check("=MOD(\"x\",0)", .error(.divisionByZero))
    }

    func testMathDomainErrors() {
        check("=SQRT(-1)", .error(.number))
        check("=SQRT(16)", .number(4))
        check("=POWER(2,10)", .number(1024))
        check("=ABS(-3)", .number(3))
    }

    func testLogicalFunctions() {
        check("=IF(A2,1,2)", .error(.value))
        check("=IF(\"TRUE\",1,2)", .number(1))
        check("=IF(A4,1,2)", .number(2))
        check("=IF(0,2)", .boolean(false))
        check("=IF(1,,2)", .number(0))
        check("=IF(1,2,1/0)", .number(2))
        check("=IFERROR(A8,\"x\")", .text("x"))
        check("=IFERROR(A4,\"x\")", .number(0))
        check("=NOT(A5)", .boolean(false))
        check("=NOT(\"false\")", .boolean(true))
        check("=AND(A2)", .error(.value))
        check("=AND(A1:A2)", .boolean(true))
        check("=OR(A4)", .error(.value))
        check("=OR(\"abc\",1)", .error(.value))
        check("=AND(1,0)", .boolean(false))
        check("=OR(0,A3)", .boolean(true))
    }

    func testTextFunctions() {
        check("=CONCATENATE(A1,A3,A4)", .text("1.51"))
        check("=CONCAT(A1:A7)", .text("1.5abc15-2ABC"))
        check("=CONCAT(E1:F2)", .text("10ten20twenty"))
        check("=LEN(1/3)", .number(17))
        check("=LEN(A4)", .number(0))
        check("=UPPER(\"abc\")", .text("ABC"))
        check("=LOWER(\"ÀBC\")", .text("àbc"))
        check("=TRIM(\"  a   b  \")", .text("a b"))
        check("=LEFT(\"abc\")", .text("a"))
        check("=LEFT(\"abc\",-1)", .error(.value))
        check("=RIGHT(\"abc\",5)", .text("abc"))
        check("=RIGHT(\"abc\",2)", .text("bc"))
        check("=MID(\"abcdef\",2,100)", .text("bcdef"))
        check("=MID(\"abcdef\",0,2)", .error(.value))
        check("=MID(\"abcdef\",3,2)", .text("cd"))
    }

    func testConditionalAggregatesUseLibreOfficeCriteria() {
        check("=SUMIF(A1:A10,\">1\")", .number(4.5))
        check("=SUMIF(A1:A10,\"abc\")", .number(0))
        check("=COUNTIF(A1:A10,\"a*\")", .number(2))
        check("=COUNTIF(A1:A10,\"<>abc\")", .number(8))
        check("=COUNTIF(A1:A10,\"\")", .number(1))
        check("=COUNTIF(A1:A10,\"=\")", .number(1))
        check("=COUNTIF(A1:A10,5)", .number(0))
        check("=COUNTIF(A1:A10,\"5\")", .number(1))
        check("=COUNTIF(A1:A10,\"<>\")", .number(9))
        check("=COUNTIF(A1:A10,\">1\")", .number(2))
        check("=COUNTIF(A1:A10,\"?\")", .number(3))
        check("=COUNTIF(A1:A10,\"TRUE\")", .number(1))
        check("=AVERAGEIF(A1:A10,\">100\")", .error(.divisionByZero))
        check("=SUMIF(F1:F3,\"t*\",E1:E3)", .number(60))
        check("=AVERAGEIF(F1:F3,\"<>ten\",E1:E3)", .number(25))
    }

    func testLookupFunctions() throws {
        check("=VLOOKUP(25,E1:F3,2)", .text("twenty"))
        check("=VLOOKUP(5,E1:F3,2)", .error(.notAvailable))
        check("=VLOOKUP(30,E1:F3,2,FALSE)", .text("thirty"))
        check("=VLOOKUP(\"abc\",A1:A10,1,FALSE)", .text("abc"))
        check("=VLOOKUP(25,E1:F3,3)", .error(.reference))
        check("=VLOOKUP(25,E1:F3,0)", .error(.value))
        check("=MATCH(1.5,A1:A10,0)", .number(1))
        check("=MATCH(\"ABC\",A1:A10,0)", .number(2))
        check("=MATCH(25,E1:E3)", .number(2))
        check("=MATCH(25,E1:E3,-1)", .error(.notAvailable))
        check("=MATCH(\"t*\",F1:F3,0)", .number(1))
        check("=INDEX(A1:A10,3)", .boolean(true))
        check("=INDEX(E1:F3,2,2)", .text("twenty"))
        check("=INDEX(A1:A10,11)", .error(.reference))
        XCTAssertEqual(try evaluate("=INDEX(A1:A10,0)", at: "H20", grid), .error(.value))
        check("=SUM(INDEX(E1:F3,0,1))", .number(60))
    }

    func testImplicitIntersectionReadsTheHostRow() throws {
        XCTAssertEqual(try evaluate("=E1:E3+1", at: "H2", grid), .number(21))
        XCTAssertEqual(try evaluate("=E1:E3+1", at: "H9", grid), .error(.value))
    }
}
