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

    func testEveryColumnAndRowLengthPrintsAndParsesBack() {
        let columns: [Int32] = [1, 2, 25, 26, 27, 52, 53, 701, 702, 703, 704, 16_384, 18_277, 18_278]
        let rows: [Int32] = [1, 9, 10, 99, 100, 999_999, 1_000_000, 1_048_576, 9_999_999]
        for column in columns {
            for row in rows {
                let cell = SheetCell(column: column, row: row)
                XCTAssertEqual(SheetCell(a1: cell.a1), cell, cell.a1)
            }
        }
        XCTAssertEqual(SheetCell(column: 703, row: 12).a1, "AAA12")
        XCTAssertEqual(SheetCell(column: 1, row: 10_000_000).a1, "A10000000", "past SPEC's ids, printed all the same")
        XCTAssertEqual(SheetCell(column: 18_279, row: 1).a1, "AAAA1")
    }

    func testMalformedIdsAreRefused() {
        for text in ["", "A", "1", "A0", "A01", "a1", "AAAA1", "A12345678", "1A", "A1B", "$A$1", "A 1"] {
            XCTAssertNil(SheetCell(a1: text), text)
        }
    }
}
