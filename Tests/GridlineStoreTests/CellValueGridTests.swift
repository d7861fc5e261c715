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
}
