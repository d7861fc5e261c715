import GridlineFormula
import XCTest

@testable import GridlineStore

/// The writer's cell values in column blocks: point reads, clearing, and range walks that
/// visit exactly the non-empty cells inside the rectangle, however the cells are spread.
final class CellValueGridTests: XCTestCase {
    private func cell(_ a1: String) -> SheetCell { SheetCell(a1: a1)! }

    func testValuesReadBackAndClearingACellForgetsIt() {
        var grid = CellValueGrid()
        grid.setValue(.number(1), at: cell("A1"))
        grid.setValue(.text("x"), at: cell("A16"))
        grid.setValue(.boolean(true), at: cell("A17"))
        grid.setValue(.number(4), at: cell("B1"))
        XCTAssertEqual(grid.value(at: cell("A1")), .number(1))
        XCTAssertEqual(grid.value(at: cell("A16")), .text("x"))
        XCTAssertEqual(grid.value(at: cell("A17")), .boolean(true))
        XCTAssertEqual(grid.value(at: cell("B1")), .number(4))
        XCTAssertEqual(grid.value(at: cell("A2")), .empty)
        XCTAssertEqual(grid.value(at: cell("ZZZ9999999")), .empty)
        XCTAssertEqual(grid.count, 4)
        grid.setValue(.empty, at: cell("A16"))
        grid.setValue(.empty, at: cell("C5"))  // never written: nothing to clear
        XCTAssertEqual(grid.value(at: cell("A16")), .empty)
        XCTAssertEqual(grid.count, 3)
        grid.setValue(.number(5), at: cell("A1"))
        XCTAssertEqual(grid.value(at: cell("A1")), .number(5))
        XCTAssertEqual(grid.count, 3, "overwriting a value does not count it twice")
    }

    func testAWholeColumnWalkGoesColumnByColumnInRowOrderWhateverTheWritingOrder() {
        var grid = CellValueGrid()
        // Written bottom-up and interleaved, so the blocks' map holds them in no useful order.
        var written: [SheetCell] = []
        for row in stride(from: 5_000, through: 1, by: -37) {
            for column: Int32 in [3, 1, 2] {
                let at = SheetCell(column: column, row: Int32(row))
                grid.setValue(.number(Double(row)), at: at)
                written.append(at)
            }
        }
        var visited: [SheetCell] = []
        grid.forEachValue(in: SheetRect(top: 1, left: 1, bottom: SheetLimits.maxRow, right: 3)) { cell, _ in
            visited.append(cell)
        }
        XCTAssertEqual(visited, written.sorted { ($0.column, $0.row) < ($1.column, $1.row) })
    }

    func testRangeWalksVisitExactlyTheNonEmptyCellsInsideBothWays() {
        var grid = CellValueGrid()
        var reference = FormulaDictionarySource()
        // A full column, a sparse far column and scattered cells: the walk probes blocks for
        // small rects and scans the blocks held for large ones.
        for row in 1...100 { grid.setValue(.number(Double(row)), at: SheetCell(column: 1, row: Int32(row))) }
        for row in stride(from: 3, through: 5000, by: 97) { grid.setValue(.text("t\(row)"), at: SheetCell(column: 3, row: Int32(row))) }
        grid.setValue(.number(9), at: cell("AB1000000"))
        grid.setValue(.number(7), at: cell("A50"))
        grid.setValue(.empty, at: cell("A51"))
        for row in 1...100 where row != 51 { reference[SheetCell(column: 1, row: Int32(row))] = row == 50 ? .number(7) : .number(Double(row)) }
        for row in stride(from: 3, through: 5000, by: 97) { reference[SheetCell(column: 3, row: Int32(row))] = .text("t\(row)") }
        reference[cell("AB1000000")] = .number(9)
        let rects = [
            SheetRect(cell("A1"), cell("A100")), SheetRect(cell("A15"), cell("A17")), SheetRect(cell("A40"), cell("C60")),
            SheetRect(cell("B1"), cell("B100")), SheetRect(top: 1, left: 1, bottom: SheetLimits.maxRow, right: 1),
            SheetRect(top: 1, left: 1, bottom: SheetLimits.maxRow, right: 28), SheetRect(cell("C100"), cell("C4000")),
        ]
        for rect in rects {
            var seen: [UInt64: FormulaValue] = [:]
            grid.forEachValue(in: rect) { cell, value in
                XCTAssertNil(seen[cell.key], "\(cell.a1) visited twice")
                seen[cell.key] = value
            }
            var expected: [UInt64: FormulaValue] = [:]
            reference.forEachValue(in: rect) { cell, value in expected[cell.key] = value }
            XCTAssertEqual(seen, expected, "\(rect)")
        }
    }

    func testARangeSummaryFoldsTheValuesTheWalkVisitsInTheWalksOrder() {
        var grid = CellValueGrid()
        // Values whose compensated sum depends on the order they are added in, errors in two
        // columns (the first in column order must win), text, booleans and gaps; written
        // bottom-up so the blocks' map holds them out of order.
        for row in stride(from: 3_000, through: 1, by: -1) where row % 11 != 0 {
            let value: FormulaValue
            switch row % 7 {
            case 0: value = .number(1e16)
            case 1: value = .number(-1e16)
            case 2: value = .number(0.1 * Double(row))
            case 3: value = .boolean(row % 2 == 0)
            case 4: value = .text("t")
            default: value = .number(-Double(row) / 3)
            }
            grid.setValue(value, at: SheetCell(column: 1, row: Int32(row)))
            if row % 500 == 0 { grid.setValue(.number(Double(row)), at: SheetCell(column: 2, row: Int32(row))) }
        }
        grid.setValue(.error(.notAvailable), at: cell("B2000"))
        grid.setValue(.error(.divisionByZero), at: cell("B700"))
        grid.setValue(.error(.value), at: cell("A2999"))
        let rects = [
            SheetRect(cell("A1"), cell("A3000")), SheetRect(cell("A5"), cell("A2998")), SheetRect(cell("B1"), cell("B3000")),
            SheetRect(cell("A1"), cell("B3000")), SheetRect(top: 1, left: 1, bottom: SheetLimits.maxRow, right: 2),
            SheetRect(cell("C1"), cell("C10")),
        ]
        for rect in rects {
            var expected = FormulaRangeSummary()
            grid.forEachValue(in: rect) { cell, value in expected.add(value, at: cell) }
            XCTAssertEqual(grid.summary(in: rect), expected, "\(rect)")
        }
        XCTAssertEqual(grid.summary(in: SheetRect(cell("A1"), cell("B3000"))).error, .value, "column A comes first")
        XCTAssertEqual(grid.summary(in: SheetRect(cell("B1"), cell("B3000"))).error, .divisionByZero)
        XCTAssertNil(grid.summary(in: SheetRect(cell("A1"), cell("A2998"))).error)
        XCTAssertEqual(grid.summary(in: SheetRect(cell("B1"), cell("B1999"))).maximum, 1_500)
        XCTAssertEqual(grid.summary(in: SheetRect(cell("C1"), cell("C10"))).count, 0)
    }
}
