import GridlineFormula
import XCTest

/// Random edits on a small grid, each plan checked against a planner that knows nothing but
/// the definition: reachability by brute force over every formula.
final class RandomGraphTests: XCTestCase {
    /// SplitMix64, so a failure replays from its seed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// What a formula names, as handed to the graph.
    struct Precedents {
        var cells: [SheetCell]
        var ranges: [SheetRect]

        func names(_ cell: SheetCell) -> Bool { cells.contains(cell) || ranges.contains { $0.contains(cell) } }
    }

    static let size: Int32 = 6

    func randomCell(_ random: inout Generator) -> SheetCell {
        SheetCell(column: Int32(random.next(Int(Self.size))) + 1, row: Int32(random.next(Int(Self.size))) + 1)
    }

    func randomPrecedents(_ random: inout Generator) -> Precedents {
        let cells = (0..<random.next(4)).map { _ in randomCell(&random) }
        let ranges = (0..<random.next(3)).map { _ -> SheetRect in
            if random.next(8) == 0 { return wholeColumn(Int32(random.next(Int(Self.size))) + 1) }
            return SheetRect(randomCell(&random), randomCell(&random))
        }
        return Precedents(cells: cells, ranges: ranges)
    }

    /// Formulas reached from `changed`, the changed formulas included.
    func affected(by changed: [SheetCell], in formulas: [SheetCell: Precedents]) -> Set<SheetCell> {
        var reached = Set(changed.filter { formulas[$0] != nil })
        var frontier = changed
        while let cell = frontier.popLast() {
            for (formula, precedents) in formulas where precedents.names(cell) && !reached.contains(formula) {
                reached.insert(formula)
                frontier.append(formula)
            }
        }
        return reached
    }

    func isOnCycle(_ cell: SheetCell, in formulas: [SheetCell: Precedents]) -> Bool {
        let reached = affected(by: formulas.filter { $0.value.names(cell) }.map(\.key), in: formulas)
        return reached.contains(cell)
    }

    func testPlansMatchABruteForcePlannerOnRandomGraphs() {
        var random = Generator(state: 20_261_201)
        for trial in 0..<300 {
            var graph = DependencyGraph()
            var formulas: [SheetCell: Precedents] = [:]
            for _ in 0..<(5 + random.next(30)) {
                let target = randomCell(&random)
                if random.next(5) == 0 {
                    graph.removeFormula(at: target)
                    formulas[target] = nil
                } else {
                    let precedents = randomPrecedents(&random)
                    graph.setFormula(at: target, cells: precedents.cells, ranges: precedents.ranges)
                    formulas[target] = precedents
                }
            }
            XCTAssertEqual(graph.formulaCount, formulas.count, "trial \(trial)")
            XCTAssertEqual(graph.rangeVertexCount, Set(formulas.values.flatMap(\.ranges)).count, "trial \(trial)")
            for cell in formulas.keys { XCTAssertTrue(graph.isFormula(cell), "trial \(trial)") }

            for _ in 0..<3 {
                let changed = (0...random.next(3)).map { _ in randomCell(&random) }
                let expected = affected(by: changed, in: formulas)
                let expectedCycle = expected.filter { isOnCycle($0, in: formulas) }
                let plan = graph.plan(changed: changed)
                let context = "trial \(trial), changed \(changed)"
                XCTAssertEqual(plan.order.count + plan.cycle.count, expected.count, context)
                XCTAssertEqual(Set(plan.cycle), expectedCycle, context)
                XCTAssertEqual(Set(plan.order), expected.subtracting(expectedCycle), context)
                assertTopological(plan.order, cycle: Set(plan.cycle), formulas: formulas, context)

                let unchanged = Set((0..<random.next(10)).map { _ in randomCell(&random) })
                checkRecalculation(&graph, changed: changed, unchanged: unchanged, formulas: formulas, context)
            }
        }
    }

    /// Every cell after each precedent it has in the plan (cycle cells are set first).
    func assertTopological(
        _ order: [SheetCell], cycle: Set<SheetCell>, formulas: [SheetCell: Precedents], _ context: String
    ) {
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for (index, cell) in order.enumerated() {
            for precedent in order where formulas[cell]!.names(precedent) {
                XCTAssertLessThan(position[precedent]!, index, "\(precedent) before \(cell), \(context)")
            }
        }
    }

    func checkRecalculation(
        _ graph: inout DependencyGraph, changed: [SheetCell], unchanged: Set<SheetCell>,
        formulas: [SheetCell: Precedents], _ context: String
    ) {
        let affected = affected(by: changed, in: formulas)
        let cycle = affected.filter { isOnCycle($0, in: formulas) }
        let changedConstants = changed.filter { formulas[$0] == nil }
        var expected = cycle.union(changed.filter { formulas[$0] != nil })
        expected.formUnion(affected.filter { formula in changedConstants.contains { formulas[formula]!.names($0) } })
        var grew = true
        while grew {
            grew = false
            for formula in affected where !expected.contains(formula) {
                if expected.contains(where: { !unchanged.contains($0) && formulas[formula]!.names($0) }) {
                    expected.insert(formula)
                    grew = true
                }
            }
        }
        let steps = graph.steps(changed, unchanged: unchanged)
        XCTAssertEqual(steps.count, expected.count, context)
        XCTAssertEqual(Set(steps.map(\.cell)), expected, context)
        XCTAssertEqual(Set(steps.filter(\.isOnCycle).map(\.cell)), cycle, context)
        assertTopological(steps.filter { !$0.isOnCycle }.map(\.cell), cycle: cycle, formulas: formulas, context)
    }
}
