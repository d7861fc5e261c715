import GridlineFormula
import XCTest

final class RecalculationTests: XCTestCase {
    func testEveryCellIsYieldedWhenAllChange() {
        var graph = DependencyGraph()
        graph.set("B1", "A1")
        graph.set("C1", "B1")
        XCTAssertEqual(graph.steps([cell("A1")]).map(\.cell), [cell("B1"), cell("C1")])
    }

    func testUnchangedCellStopsItsDependents() {
        var graph = DependencyGraph()
        graph.set("B1", "A1")
        graph.set("C1", "B1")
        graph.set("D1", "C1")
        XCTAssertEqual(graph.steps([cell("A1")], unchanged: [cell("B1")]).map(\.cell), [cell("B1")])
        XCTAssertEqual(graph.steps([cell("A1")], unchanged: [cell("C1")]).map(\.cell), [cell("B1"), cell("C1")])
    }

    func testAnotherChangedPrecedentStillReachesTheCell() {
        var graph = DependencyGraph()
        graph.set("B1", "A1")
        graph.set("C1", "A1")
        graph.set("D1", "B1", "C1")
        graph.set("E1", "D1")
        let steps = graph.steps([cell("A1")], unchanged: [cell("B1")]).map(\.cell)
        XCTAssertEqual(Set(steps.prefix(2)), [cell("B1"), cell("C1")])
        XCTAssertEqual(steps.dropFirst(2), [cell("D1"), cell("E1")])
        let none = graph.steps([cell("A1")], unchanged: [cell("B1"), cell("C1")]).map(\.cell)
        XCTAssertEqual(Set(none), [cell("B1"), cell("C1")])
        XCTAssertEqual(none.count, 2)
    }

    func testUnchangedCellInsideARangeDoesNotReachTheRangesFormula() {
        var graph = DependencyGraph()
        graph.set("A5", "Z1")
        graph.set("B1", ranges: "A1:A10")
        XCTAssertEqual(graph.steps([cell("Z1")], unchanged: [cell("A5")]).map(\.cell), [cell("A5")])
        XCTAssertEqual(graph.steps([cell("Z1")]).map(\.cell), [cell("A5"), cell("B1")])
    }

    func testCycleCellsAreAlwaysYieldedAndMarkedAsOnACycle() {
        var graph = DependencyGraph()
        graph.set("A1", "B1", "Z1")
        graph.set("B1", "A1")
        graph.set("C1", "B1")
        var recalculation = graph.recalculation(changed: [cell("Z1")])
        XCTAssertEqual(Set(recalculation.cycle), [cell("A1"), cell("B1")])
        var steps: [Recalculation.Step] = []
        while let step = recalculation.next() {
            steps.append(step)
            recalculation.markUnchanged()
        }
        XCTAssertEqual(Set(steps.filter(\.isOnCycle).map(\.cell)), [cell("A1"), cell("B1")])
        XCTAssertEqual(steps.count, 2, "C1 is not reached when the cycle's cells kept #CYCLE!")
        let all = graph.steps([cell("Z1")])
        XCTAssertEqual(all.last, Recalculation.Step(cell: cell("C1"), isOnCycle: false))
    }

    func testRangeOnACycleStillPassesTheCycleCellsChangeOn() {
        var graph = DependencyGraph()
        graph.set("A5", "Z1", ranges: "A1:A10")
        graph.set("B1", ranges: "A1:A10")
        let steps = graph.steps([cell("Z1")])
        XCTAssertEqual(steps, [Recalculation.Step(cell: cell("A5"), isOnCycle: true), Recalculation.Step(cell: cell("B1"), isOnCycle: false)])
    }

    func testChangedFormulaIsYieldedEvenWhenNothingElseChanged() {
        var graph = DependencyGraph()
        graph.set("B1", "A1")
        graph.set("C1", "B1")
        XCTAssertEqual(graph.steps([cell("B1")], unchanged: [cell("B1")]).map(\.cell), [cell("B1")])
    }
}
