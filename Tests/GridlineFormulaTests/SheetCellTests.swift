import GridlineFormula
import XCTest

final class SheetCellTests: XCTestCase {
    func testKeyRoundTripsAndSortsInReadingOrder() {
        let cells = [SheetCell(column: 3, row: 1), SheetCell(column: 1, row: 2), SheetCell(column: 16_384, row: 1_048_576)]
        for cell in cells { XCTAssertEqual(SheetCell(key: cell.key), cell) }
        XCTAssertEqual(cells.sorted(), cells.sorted { $0.key < $1.key })
    }

    func testRectIsNormalisedFromAnyCorners() {
        let rect = SheetRect(SheetCell(column: 2, row: 5), SheetCell(column: 1, row: 1))
        XCTAssertEqual(rect, SheetRect(top: 1, left: 1, bottom: 5, right: 2))
        XCTAssertTrue(rect.contains(SheetCell(column: 2, row: 3)))
        XCTAssertFalse(rect.contains(SheetCell(column: 3, row: 3)))
        XCTAssertEqual(rect.cellCount, 10)
    }
}

final class SheetCellA1Tests: XCTestCase {
    func testA1IdsParseAndPrintBackAsSPECSpellsThem() {
        for (text, column, row) in [("A1", 1, 1), ("Z9", 26, 9), ("AA10", 27, 10), ("XFD1048576", 16_384, 1_048_576),
                                    ("ZZZ9999999", 18_278, 9_999_999)] {
            let cell = SheetCell(a1: text)
            XCTAssertEqual(cell, SheetCell(column: Int32(column), row: Int32(row)), text)
            XCTAssertEqual(cell?.a1, text)
        }
    }

    func testMalformedIdsAreRefused() {
        for text in ["", "A", "1", "A0", "A01", "a1", "AAAA1", "A12345678", "1A", "A1B", "$A$1", "A 1"] {
            XCTAssertNil(SheetCell(a1: text), text)
        }
    }
}
