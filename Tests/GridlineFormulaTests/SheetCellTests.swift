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
