import GridlineFormula
import XCTest

final class DependencyGraphTests: XCTestCase {
    func testChainIsPlannedInOrderFromTheChangedCell() {
        var graph = DependencyGraph()
        graph.set("A3", "A2")
        graph.set("A2", "A1")
        graph.set("A4", "A3")
        XCTAssertEqual(graph.plan("A1"), RecalcPlan(order: [cell("A2"), cell("A3"), cell("A4")], cycle: []))
        XCTAssertEqual(graph.plan("A3").order, [cell("A3"), cell("A4")])
        XCTAssertEqual(graph.plan("A4").order, [cell("A4")], "a changed formula is recomputed itself")
        XCTAssertEqual(graph.plan("B1"), RecalcPlan(order: [], cycle: []))
    }

    func testDiamondEvaluatesEachCellOnceAfterBothPrecedents() {
        var graph = DependencyGraph()
        graph.set("D1", "B1", "C1")
        graph.set("B1", "A1")
        graph.set("C1", "A1", "B1")
        graph.set("E1", "D1", "A1")
        let order = graph.plan("A1").order
        XCTAssertEqual(order, [cell("B1"), cell("C1"), cell("D1"), cell("E1")])
    }

    func testChangingSeveralCellsPlansTheirDependentsOnce() {
        var graph = DependencyGraph()
        graph.set("C1", "A1", "B1")
        graph.set("D1", "C1")
        let order = graph.plan("A1", "B1", "A1").order
        XCTAssertEqual(order, [cell("C1"), cell("D1")])
    }

    func testRepeatedPrecedentIsOneEdge() {
        var graph = DependencyGraph()
        graph.set("B1", "A1", "A1", "A1")
        XCTAssertEqual(graph.plan("A1").order, [cell("B1")])
    }

    func testSelfReferenceIsACycle() {
        var graph = DependencyGraph()
        graph.set("A1", "A1")
        graph.set("B1", "A1")
        XCTAssertEqual(graph.plan("A1"), RecalcPlan(order: [cell("B1")], cycle: [cell("A1")]))
    }

    func testTwoCellCycleIsFoundFromEitherCellOrFromOutside() {
        var graph = DependencyGraph()
        graph.set("A1", "B1")
        graph.set("B1", "A1")
        for changed in ["A1", "B1"] {
            let plan = graph.plan(changed)
            XCTAssertEqual(plan.order, [])
            XCTAssertEqual(Set(plan.cycle), [cell("A1"), cell("B1")])
        }
        graph.set("B1", "A1", "C1")
        XCTAssertEqual(Set(graph.plan("C1").cycle), [cell("A1"), cell("B1")])
    }

    func testTenThousandCellCycleIsFoundWithoutRecursion() {
        var graph = DependencyGraph()
        let count: Int32 = 10_000
        for row in 1...count {
            graph.setFormula(at: SheetCell(column: 1, row: row), cells: [SheetCell(column: 1, row: row % count + 1)], ranges: [])
        }
        graph.set("B1", "A5000")
        let plan = graph.plan("A1")
        XCTAssertEqual(plan.cycle.count, Int(count))
        XCTAssertEqual(Set(plan.cycle).count, Int(count))
        XCTAssertEqual(plan.order, [cell("B1")])
    }

    func testDependentsOfACycleComeAfterItAndAreNotOnIt() {
        var graph = DependencyGraph()
        graph.set("A1", "B1")
        graph.set("B1", "A1", "Z9")
        graph.set("C1", "B1")
        graph.set("D1", "C1", "A1")
        graph.set("Y1", "Z9")
        let plan = graph.plan("Z9")
        XCTAssertEqual(Set(plan.cycle), [cell("A1"), cell("B1")])
        XCTAssertEqual(Set(plan.order), [cell("C1"), cell("D1"), cell("Y1")])
        XCTAssertLessThan(plan.order.firstIndex(of: cell("C1"))!, plan.order.firstIndex(of: cell("D1"))!)
    }

    func testReplacingAFormulaBreaksTheCycle() {
        var graph = DependencyGraph()
        graph.set("A1", "B1")
        graph.set("B1", "A1")
        graph.set("B1", "C1")
        XCTAssertEqual(graph.plan("B1"), RecalcPlan(order: [cell("B1"), cell("A1")], cycle: []))
        XCTAssertEqual(graph.plan("A1"), RecalcPlan(order: [cell("A1")], cycle: []), "A1 no longer reaches B1")
        XCTAssertEqual(graph.plan("C1").order, [cell("B1"), cell("A1")])
    }

    func testRemovingAFormulaBreaksTheCycleAndKeepsItsDependents() {
        var graph = DependencyGraph()
        graph.set("A1", "B1")
        graph.set("B1", "A1")
        graph.removeFormula(at: cell("B1"))
        XCTAssertFalse(graph.isFormula(cell("B1")))
        XCTAssertTrue(graph.isFormula(cell("A1")))
        XCTAssertEqual(graph.plan("B1"), RecalcPlan(order: [cell("A1")], cycle: []))
        XCTAssertEqual(graph.formulaCount, 1)
    }

    func testRemovedFormulaNoLongerDependsOnItsPrecedents() {
        var graph = DependencyGraph()
        graph.set("B1", "A1")
        graph.set("C1", "B1")
        graph.removeFormula(at: cell("B1"))
        XCTAssertEqual(graph.plan("A1").order, [])
        XCTAssertEqual(graph.plan("B1").order, [cell("C1")])
        graph.removeFormula(at: cell("C1"))
        XCTAssertEqual(graph.formulaCount, 0)
        XCTAssertEqual(graph.plan("B1").order, [])
    }

    func testReplacedFormulaDependsOnlyOnItsNewPrecedents() {
        var graph = DependencyGraph()
        graph.set("C1", "A1")
        graph.set("C1", "B1")
        XCTAssertEqual(graph.plan("A1").order, [])
        XCTAssertEqual(graph.plan("B1").order, [cell("C1")])
        graph.set("C1")
        XCTAssertEqual(graph.plan("B1").order, [])
        XCTAssertTrue(graph.isFormula(cell("C1")))
    }

    func testManyReplacementsOfOneFormulaKeepOneDependentEntry() {
        var graph = DependencyGraph()
        graph.set("D1", "C1")
        for _ in 0..<100 {
            graph.set("B1", "A1")
            graph.set("C1", "A1", "B1")
        }
        XCTAssertEqual(graph.plan("A1").order, [cell("B1"), cell("C1"), cell("D1")])
        XCTAssertEqual(graph.formulaCount, 3)
    }
}
