import GridlineFormula
import XCTest

final class RangeDependencyTests: XCTestCase {
    func testWriteInsideARangeReachesItsFormulaAndOutsideDoesNot() {
        var graph = DependencyGraph()
        graph.set("C1", ranges: "A1:B10")
        for inside in ["A1", "B10", "A5", "B1"] { XCTAssertEqual(graph.plan(inside).order, [cell("C1")], inside) }
        for outside in ["A11", "C1", "C5", "D1", "A1048576"] {
            XCTAssertEqual(graph.plan(outside).order, outside == "C1" ? [cell("C1")] : [], outside)
        }
    }

    func testReplacedFormulaMovesItsRanges() {
        var graph = DependencyGraph()
        graph.set("C1", ranges: "A1:A10")
        graph.set("C1", ranges: "B1:B10")
        XCTAssertEqual(graph.plan("A5").order, [])
        XCTAssertEqual(graph.plan("B5").order, [cell("C1")])
        XCTAssertEqual(graph.rangeVertexCount, 1)
    }

    func testRemovedFormulaReleasesItsRange() {
        var graph = DependencyGraph()
        graph.set("C1", ranges: "A1:A10")
        graph.set("C2", ranges: "A1:A10", "A5:A6")
        XCTAssertEqual(graph.rangeVertexCount, 2)
        graph.removeFormula(at: cell("C2"))
        XCTAssertEqual(graph.rangeVertexCount, 1)
        XCTAssertEqual(graph.plan("A5").order, [cell("C1")])
        graph.removeFormula(at: cell("C1"))
        XCTAssertEqual(graph.rangeVertexCount, 0)
        XCTAssertEqual(graph.plan("A5").order, [])
    }

    func testFormulaInsideARangePassesItsChangeOn() {
        var graph = DependencyGraph()
        graph.set("A5", "Z1")
        graph.set("B1", ranges: "A1:A10")
        graph.set("C1", "B1")
        XCTAssertEqual(graph.plan("Z1").order, [cell("A5"), cell("B1"), cell("C1")])
    }

    func testFormulaSummingARangeThatHoldsItIsACycle() {
        var graph = DependencyGraph()
        graph.set("A5", ranges: "A1:A10")
        graph.set("B1", ranges: "A1:A10")
        let plan = graph.plan("A3")
        XCTAssertEqual(plan.cycle, [cell("A5")])
        XCTAssertEqual(plan.order, [cell("B1")])
    }

    func testWholeColumnIsOneRangeAndCatchesTheLastRow() {
        var graph = DependencyGraph()
        graph.setFormula(at: cell("B1"), cells: [], ranges: [wholeColumn(1)])
        graph.setFormula(at: cell("C1"), cells: [], ranges: [wholeColumn(1), wholeColumn(2)])
        XCTAssertEqual(graph.rangeVertexCount, 2)
        XCTAssertEqual(Set(graph.plan(changed: [SheetCell(column: 1, row: SheetLimits.maxRow)]).order), [cell("B1"), cell("C1")])
        let plan = graph.plan("B7")
        XCTAssertEqual(plan.order, [cell("C1")])
        XCTAssertEqual(graph.plan("D1").order, [])
    }

    func testWholeColumnHoldingItsFormulaIsACycle() {
        var graph = DependencyGraph()
        graph.setFormula(at: cell("A1"), cells: [], ranges: [wholeColumn(1)])
        XCTAssertEqual(graph.plan("A900000"), RecalcPlan(order: [], cycle: [cell("A1")]))
    }

    func testWideRangeSpanningColumnBandsIsFoundInEachColumn() {
        var graph = DependencyGraph()
        graph.setFormula(at: cell("A1"), cells: [], ranges: [SheetRect(top: 2, left: 1, bottom: 3, right: SheetLimits.maxColumn)])
        for column: Int32 in [1, 31, 32, 33, 64, 65, 1000, SheetLimits.maxColumn] {
            XCTAssertEqual(graph.plan(changed: [SheetCell(column: column, row: 3)]).order, [cell("A1")], "column \(column)")
            XCTAssertEqual(graph.plan(changed: [SheetCell(column: column, row: 4)]).order, [], "column \(column)")
        }
    }

    func testRangesPastTheSheetAreClampedAndReversedCornersNormalised() {
        var graph = DependencyGraph()
        graph.setFormula(at: cell("Z1"), cells: [], ranges: [SheetRect(top: 10, left: 2, bottom: 5, right: 1)])
        graph.setFormula(at: cell("Z2"), cells: [], ranges: [SheetRect(top: 0, left: 0, bottom: Int32.max, right: 1)])
        XCTAssertEqual(graph.plan("B7").order, [cell("Z1")])
        XCTAssertEqual(graph.plan(changed: [SheetCell(column: 1, row: SheetLimits.maxRow)]).order, [cell("Z2")])
    }

    func testThousandIdenticalRangesAreOneVertexWithThousandDependents() {
        var graph = DependencyGraph()
        let range = rect("A1:A100000")
        for row in 1...Int32(1000) { graph.setFormula(at: SheetCell(column: 2, row: row), cells: [], ranges: [range]) }
        graph.setFormula(at: cell("C1"), cells: [], ranges: [range])
        XCTAssertEqual(graph.rangeVertexCount, 1)
        let plan = graph.plan("A99999")
        XCTAssertEqual(plan.order.count, 1001)
        XCTAssertEqual(Set(plan.order).count, 1001)
        XCTAssertEqual(graph.plan("A100001").order, [])
    }

    func testOverlappingRunningTotalsEachFindTheWrite() {
        var graph = DependencyGraph()
        for row in 1...Int32(300) {
            graph.setFormula(at: SheetCell(column: 2, row: row), cells: [], ranges: [SheetRect(top: 1, left: 1, bottom: row, right: 1)])
        }
        for row in [1, 2, 77, 128, 129, 256, 300] as [Int32] {
            let order = graph.plan(changed: [SheetCell(column: 1, row: row)]).order
            XCTAssertEqual(order.count, Int(300 - row + 1), "row \(row)")
            XCTAssertEqual(Set(order), Set((row...300).map { SheetCell(column: 2, row: $0) }), "row \(row)")
        }
        for row in stride(from: Int32(1), through: 300, by: 2) { graph.removeFormula(at: SheetCell(column: 2, row: row)) }
        XCTAssertEqual(graph.rangeVertexCount, 150)
        XCTAssertEqual(Set(graph.plan("A250").order), Set(stride(from: Int32(250), through: 300, by: 2).map { SheetCell(column: 2, row: $0) }))
    }
}
