import Dispatch
import GridlineFormula
import XCTest

/// The sizes SPEC §14 asks for. Timings are printed, not asserted (this machine is shared);
/// measure with `swift test -c release --filter GraphPerformanceTests`.
final class GraphPerformanceTests: XCTestCase {
    func milliseconds<T>(_ label: String, _ body: () -> T) -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        print("GraphPerformanceTests: \(label): \(String(format: "%.3f", elapsed)) ms")
        return result
    }

    func testHundredThousandCellChainIsPlannedInOrderWithoutRecursion() {
        let count: Int32 = 100_000
        var graph = DependencyGraph()
        milliseconds("build a chain of 100,000 formulas") {
            for row in 2...count {
                graph.setFormula(at: SheetCell(column: 1, row: row), cells: [SheetCell(column: 1, row: row - 1)], ranges: [])
            }
        }
        let plan = milliseconds("plan a change at the head of the chain") { graph.plan(changed: [SheetCell(column: 1, row: 1)]) }
        let again = milliseconds("plan it again (scratch reused)") { graph.plan(changed: [SheetCell(column: 1, row: 1)]) }
        XCTAssertEqual(plan, again)
        XCTAssertEqual(plan.cycle, [])
        XCTAssertEqual(plan.order, (2...count).map { SheetCell(column: 1, row: $0) })
        let steps = milliseconds("recalculate it step by step") { graph.steps([SheetCell(column: 1, row: 1)]) }
        XCTAssertEqual(steps.count, Int(count) - 1)
        let stopped = milliseconds("recalculate it, stopping at row 10") {
            graph.steps([SheetCell(column: 1, row: 1)], unchanged: [SheetCell(column: 1, row: 10)])
        }
        XCTAssertEqual(stopped.map(\.cell), (2...10).map { SheetCell(column: 1, row: $0) })
    }

    func testThousandFormulasOverOneRangeAreFoundFromOneWrite() {
        var graph = DependencyGraph()
        let range = SheetRect(top: 1, left: 1, bottom: 100_000, right: 1)
        milliseconds("build 1,000 formulas over A1:A100000 and a SUM") {
            for row in 1...Int32(1000) { graph.setFormula(at: SheetCell(column: 2, row: row), cells: [], ranges: [range]) }
            graph.setFormula(at: SheetCell(column: 3, row: 1), cells: [], ranges: [range])
        }
        XCTAssertEqual(graph.rangeVertexCount, 1)
        for _ in 0..<3 {
            let plan = milliseconds("plan one write under the range") { graph.plan(changed: [SheetCell(column: 1, row: 50_000)]) }
            XCTAssertEqual(plan.order.count, 1001)
        }
        let outside = milliseconds("plan one write outside it") { graph.plan(changed: [SheetCell(column: 1, row: 100_001)]) }
        XCTAssertEqual(outside.order, [])
    }

    func testRunningTotalsFindTheirRanges() {
        #if DEBUG
        let count: Int32 = 20_000  // the unoptimised build is ~10x slower; release runs the full size
        #else
        let count: Int32 = 100_000
        #endif
        var graph = DependencyGraph()
        milliseconds("build \(count) running totals B(n) = SUM(A1:An)") {
            for row in 1...count {
                graph.setFormula(at: SheetCell(column: 2, row: row), cells: [], ranges: [SheetRect(top: 1, left: 1, bottom: row, right: 1)])
            }
        }
        let plan = milliseconds("plan a write 10 rows from the end") { graph.plan(changed: [SheetCell(column: 1, row: count - 10)]) }
        XCTAssertEqual(Set(plan.order), Set((count - 10...count).map { SheetCell(column: 2, row: $0) }))
        milliseconds("remove them all") {
            for row in 1...count { graph.removeFormula(at: SheetCell(column: 2, row: row)) }
        }
        XCTAssertEqual(graph.rangeVertexCount, 0)
        XCTAssertEqual(graph.formulaCount, 0)
    }

    func testTenThousandCellCycleIsPlannedQuickly() {
        let count: Int32 = 10_000
        var graph = DependencyGraph()
        for row in 1...count {
            graph.setFormula(at: SheetCell(column: 1, row: row), cells: [SheetCell(column: 1, row: row % count + 1)], ranges: [])
        }
        let plan = milliseconds("plan a 10,000-cell cycle") { graph.plan(changed: [SheetCell(column: 1, row: 1)]) }
        XCTAssertEqual(Set(plan.cycle).count, Int(count))
    }
}
