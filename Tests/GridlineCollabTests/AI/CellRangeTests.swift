import XCTest
import GridlineFormula
@testable import GridlineCollab

final class CellRangeTests: XCTestCase {
    private func address(_ text: String) -> SheetCell { SheetCell(a1: text)! }

    private func assertRefused(
        _ text: String, with expected: CellRangeError, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let range = try CellRange(text)
            XCTFail("\"\(text)\" was accepted as \(range)", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, "for \"\(text)\"", file: file, line: line)
        }
    }

    func testTwoCornersMakeARectangleFromTopLeftToBottomRight() throws {
        let range = try CellRange("A1:B20")
        XCTAssertEqual(range.start, address("A1"))
        XCTAssertEqual(range.end, address("B20"))
        XCTAssertEqual(range.text, "A1:B20")
        XCTAssertEqual(range.cellCount, 40)
    }

    func testReversedCornersAreNormalised() throws {
        XCTAssertEqual(try CellRange("B20:A1"), try CellRange("A1:B20"))
        XCTAssertEqual(try CellRange("A20:B1"), try CellRange("A1:B20"), "the other diagonal names the same rectangle")
        XCTAssertEqual(try CellRange("B1:A20").text, "A1:B20")
    }

    func testASingleCellIsARangeOfOne() throws {
        let range = try CellRange("B2")
        XCTAssertEqual(range.start, address("B2"))
        XCTAssertEqual(range.end, address("B2"))
        XCTAssertEqual(range.cellCount, 1)
        XCTAssertEqual(range.text, "B2")
        XCTAssertEqual(try CellRange("B2:B2").text, "B2")
    }

    func testLowerCaseLettersAndSurroundingSpacesAreAccepted() throws {
        XCTAssertEqual(try CellRange("a1:b20"), try CellRange("A1:B20"))
        XCTAssertEqual(try CellRange("  aa10 : Ab3 "), try CellRange("AA3:AB10"))
    }

    func testTheLargestRangeCountsItsCellsWithoutOverflow() throws {
        let range = try CellRange("A1:ZZZ9999999")
        XCTAssertEqual(range.end.column, 18_278)
        XCTAssertEqual(range.cellCount, 18_278 * 9_999_999)
    }

    func testContainsIsInclusiveOfEveryEdge() throws {
        let range = try CellRange("B2:D5")
        for inside in ["B2", "D5", "B5", "D2", "C3"] {
            XCTAssertTrue(range.contains(address(inside)), inside)
        }
        for outside in ["A2", "E2", "B1", "B6", "A1", "E6", "ZZZ9999999"] {
            XCTAssertFalse(range.contains(address(outside)), outside)
        }
    }

    func testParsedCornersAgreeWithTheA1Grammar() throws {
        for text in ["A1", "Z9", "AA27", "AZ1", "BA1", "ZZ99", "AAA1", "ZZZ9999999", "XFD1048576"] {
            XCTAssertEqual(try CellRange(text).start, SheetCell(a1: text), text)
        }
    }

    func testAnAbsentOrBlankTableRangeMeansTheWholeSheet() throws {
        XCTAssertNil(try CellRange.tableRange(nil))
        XCTAssertNil(try CellRange.tableRange(""))
        XCTAssertNil(try CellRange.tableRange("   "))
        XCTAssertEqual(try CellRange.tableRange("c3:a1"), try CellRange("A1:C3"))
        XCTAssertThrowsError(try CellRange.tableRange("A0"))
    }

    func testAFourLetterColumnIsRefusedEvenWhenTheOtherCornerIsAlsoBad() {
        assertRefused("ZZZZ1:A0", with: .invalidCell("ZZZZ1", .columnTooLong))
    }

    func testRowZeroAndLeadingZerosAreRefused() {
        assertRefused("A0", with: .invalidCell("A0", .rowStartsWithZero))
        assertRefused("A01", with: .invalidCell("A01", .rowStartsWithZero))
        assertRefused("A1:B0", with: .invalidCell("B0", .rowStartsWithZero))
    }

    func testARowBeforeTheColumnIsRefused() {
        assertRefused("1A", with: .invalidCell("1A", .missingColumn))
        assertRefused("12", with: .invalidCell("12", .missingColumn))
    }

    func testAColumnWithoutARowIsRefused() {
        assertRefused("B", with: .invalidCell("B", .missingRow))
        assertRefused("A:B", with: .invalidCell("A", .missingRow))
    }

    func testAnEightDigitRowIsRefused() {
        assertRefused("A12345678", with: .invalidCell("A12345678", .rowTooLong))
    }

    func testAMissingCornerIsNamed() {
        assertRefused("A1:", with: .missingCorner(.second))
        assertRefused(":B2", with: .missingCorner(.first))
    }

    func testMoreThanTwoCornersAreRefused() {
        assertRefused("A1:B2:C3", with: .tooManyCorners(3))
        assertRefused("A1::B2", with: .tooManyCorners(3))
    }

    func testEmptyTextIsRefused() {
        assertRefused("", with: .empty)
        assertRefused("  ", with: .empty)
        assertRefused(":", with: .empty)
    }

    func testStrayCharactersAreNamed() {
        assertRefused("$A$1", with: .invalidCell("$A$1", .unexpectedCharacter("$")))
        assertRefused("A1B", with: .invalidCell("A1B", .unexpectedCharacter("B")))
        assertRefused("A-1", with: .invalidCell("A-1", .unexpectedCharacter("-")))
        assertRefused("A 1", with: .invalidCell("A 1", .unexpectedCharacter(" ")))
        assertRefused("É1", with: .invalidCell("É1", .unexpectedCharacter("É")))
        assertRefused("A1;B2", with: .invalidCell("A1;B2", .unexpectedCharacter(";")))
    }

    func testErrorTextsNameTheProblem() {
        XCTAssertEqual(
            CellRangeError.invalidCell("ZZZZ1", .columnTooLong).description,
            "table_range cell \"ZZZZ1\" is not valid: the column has more than 3 letters (A…ZZZ)"
        )
        XCTAssertEqual(CellRangeError.missingCorner(.second).description, "table_range has no cell after the colon")
        XCTAssertTrue(CellRangeError.tooManyCorners(3).description.contains("3 parts"))
    }
}
