import XCTest

@testable import GridlineStore

/// Formulas evaluated in the writer's transaction (SPEC §14): computed values, dependents
/// recomputed in order with their own versions and seqs, cycles, errors, batches, restarts.
final class FormulaRecalculationTests: XCTestCase {
    private var db: Database!
    private var formulas = FormulaWorkbook()

    override func setUpWithError() throws {
        db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
    }

    @discardableResult
    private func set(_ cell: String, _ value: String = "null", formula: String? = nil, expected: Int64? = nil)
        throws -> (cell: AppliedCell, recalculated: [AppliedCell])
    {
        let outcome = try CellStore.applyCellUpdate(
            db, sheetId: "s1", write: CellWrite(cellId: cell, valueJSON: value, formula: formula, expectedVersion: expected),
            userId: "u", username: "U", now: 7, formulas: formulas)
        guard case .applied(let applied, let recalculated) = outcome else {
            XCTFail("not applied: \(outcome)")
            throw StoreError.invalid("conflict")
        }
        return (applied, recalculated)
    }

    private func stored(_ cell: String) throws -> CellRecord {
        try CellStore.cell(db, sheetId: "s1", cellId: cell)
    }

    func testAFormulasValueIsComputedAndTheSentValueIgnored() throws {
        let written = try set("A1", "999", formula: "=CONCATENATE('Hello', ' ', 'World')")
        XCTAssertEqual(written.cell.valueJSON, "\"Hello World\"")
        XCTAssertNil(written.cell.error)
        XCTAssertEqual(try stored("A1").valueJSON, "\"Hello World\"")
        XCTAssertEqual(try stored("A1").formula, "=CONCATENATE('Hello', ' ', 'World')")
    }

    func testADependentFollowsItsPrecedentWithItsOwnVersionAndSeq() throws {
        try set("A1", "1")
        let b1 = try set("B1", formula: "=A1*2")
        XCTAssertEqual(b1.cell.valueJSON, "2")
        let edit = try set("A1", "5")
        XCTAssertEqual(edit.cell.seq, 3)
        XCTAssertEqual(edit.recalculated.map(\.cellId), ["B1"])
        XCTAssertEqual(edit.recalculated.first?.valueJSON, "10")
        XCTAssertEqual(edit.recalculated.first?.version, 2)
        XCTAssertEqual(edit.recalculated.first?.seq, 4)
        XCTAssertEqual(edit.recalculated.first?.formula, "=A1*2")
        XCTAssertEqual(try stored("B1").valueJSON, "10")
        XCTAssertEqual(try stored("B1").version, 2)
        XCTAssertEqual(try RoomStore.sheet(db, id: "s1")?.seq, 4)
        guard case .entries(let history) = try CellStore.history(db, sheetId: "s1", sinceSeq: 2, limit: 10) else {
            return XCTFail("history")
        }
        XCTAssertEqual(history.map(\.cellId), ["A1", "B1"])
        XCTAssertEqual(history.last?.valueJSON, "10")
    }

    func testAChainIsRecomputedInOrderEachOnce() throws {
        try set("A1", "1")
        for row in 2...50 { try set("A\(row)", formula: "=A\(row - 1)+1") }
        XCTAssertEqual(try stored("A50").valueJSON, "50")
        let edit = try set("A1", "100")
        XCTAssertEqual(edit.recalculated.map(\.cellId), (2...50).map { "A\($0)" })
        XCTAssertEqual(edit.recalculated.map(\.seq), Array((edit.cell.seq + 1)...(edit.cell.seq + 49)))
        XCTAssertEqual(edit.recalculated.last?.valueJSON, "149")
    }

    func testADependentWhoseValueDidNotChangeIsNotBumped() throws {
        try set("A1", "1")
        try set("B1", formula: "=IF(A1>0,\"positive\",\"not\")")
        try set("C1", formula: "=LEN(B1)")
        let edit = try set("A1", "2")
        XCTAssertEqual(edit.recalculated, [])
        XCTAssertEqual(try stored("B1").version, 1)
        XCTAssertEqual(try stored("C1").valueJSON, "8")
    }

    func testEveryCellOnACycleShowsCycleAndBreakingItRecovers() throws {
        try set("A1", formula: "=B1+1")
        let closing = try set("B1", formula: "=A1+1")
        XCTAssertEqual(closing.cell.valueJSON, "\"#CYCLE!\"")
        XCTAssertEqual(closing.cell.error, "#CYCLE!")
        XCTAssertEqual(closing.recalculated.map(\.cellId), ["A1"])
        XCTAssertEqual(try stored("A1").error, "#CYCLE!")
        let broken = try set("B1", "3")
        XCTAssertEqual(broken.recalculated.map(\.cellId), ["A1"])
        XCTAssertEqual(try stored("A1").valueJSON, "4")
        XCTAssertNil(try stored("A1").error)
    }

    func testErrorsAreValuesWithAnErrorField() throws {
        let division = try set("A1", formula: "=1/0")
        XCTAssertEqual(division.cell.valueJSON, "\"#DIV/0!\"")
        XCTAssertEqual(division.cell.error, "#DIV/0!")
        let dependent = try set("A2", formula: "=A1+1")
        XCTAssertEqual(dependent.cell.error, "#DIV/0!")
        XCTAssertEqual(try set("A3", formula: "=NOSUCHFUNCTION(1)").cell.error, "#NAME?")
        XCTAssertEqual(try set("A4", formula: "=XFE1").cell.error, "#NAME?")
        XCTAssertEqual(try set("A5", formula: "=10^400").cell.error, "#NUM!")
        XCTAssertEqual(try set("A6", formula: "=\"text\"*2").cell.error, "#VALUE!")
    }

    func testABatchRecalculatesOnceAndItsOwnFormulasSeeEachOther() throws {
        try set("D1", formula: "=C1+1")
        let outcome = try CellStore.applyCellBatch(
            db, sheetId: "s1",
            writes: [
                CellWrite(cellId: "C1", valueJSON: "0", formula: "=B1*2"),
                CellWrite(cellId: "A1", valueJSON: "1"),
                CellWrite(cellId: "B1", valueJSON: "0", formula: "=A1+1"),
            ],
            userId: "u", username: "U", now: 8, formulas: formulas)
        guard case .applied(let cells, let recalculated) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(cells.map(\.cellId), ["C1", "A1", "B1"])
        XCTAssertEqual(cells.map(\.valueJSON), ["4", "1", "2"])
        XCTAssertEqual(cells.map(\.seq), [2, 3, 4])
        XCTAssertEqual(recalculated.map(\.cellId), ["D1"])
        XCTAssertEqual(recalculated.first?.valueJSON, "5")
        XCTAssertEqual(recalculated.first?.seq, 5)
    }

    func testRangesAndWholeColumnsFindTheirDependents() throws {
        for row in 1...10 { try set("A\(row)", "\(row)") }
        try set("B1", formula: "=SUM(A1:A10)")
        try set("B2", formula: "=SUM(A:A)")
        try set("B3", formula: "=COUNT(A5:A100)")
        let edit = try set("A5", "105")
        XCTAssertEqual(Set(edit.recalculated.map(\.cellId)), ["B1", "B2"])
        XCTAssertEqual(try stored("B1").valueJSON, "155")
        XCTAssertEqual(try stored("B2").valueJSON, "155")
        XCTAssertEqual(try stored("B3").valueJSON, "6")
        XCTAssertEqual(Set(try set("A20", "1").recalculated.map(\.cellId)), ["B2", "B3"])
        XCTAssertEqual(try stored("B3").valueJSON, "7")
        XCTAssertEqual(try set("C7", "1").recalculated, [], "outside every range")
    }

    func testARestartRebuildsTheGraphFromStoredFormulas() throws {
        try set("A1", "2")
        try set("B1", formula: "=A1^2")
        formulas = FormulaWorkbook()  // a new process: nothing in memory
        let edit = try set("A1", "3")
        XCTAssertEqual(edit.recalculated.map(\.valueJSON), ["9"])
    }

    func testASheetLoadIsReportedWithItsCellsFormulasAndDuration() throws {
        try set("A1", "2")
        try set("B1", formula: "=A1^2")
        try set("B2", formula: "=B1+1")
        final class Loads: @unchecked Sendable { var all: [FormulaSheetLoad] = [] }
        let loads = Loads()
        formulas = FormulaWorkbook()
        formulas.onSheetLoaded = { loads.all.append($0) }
        try set("A1", "3")
        try set("A1", "4")  // already loaded: not reported again
        XCTAssertEqual(loads.all.map(\.sheetId), ["s1"])
        XCTAssertEqual(loads.all.first?.cells, 3)
        XCTAssertEqual(loads.all.first?.formulas, 2)
        XCTAssertGreaterThan(loads.all.first?.seconds ?? 0, 0)
    }

    func testAWriteThatFailsInsideTheTransactionLeavesNoStaleFormulaState() throws {
        try set("A1", "1")
        try set("B1", formula: "=A1+1")
        // Applied in memory, then rolled back in the database, as a failed group commit does.
        try db.exec("BEGIN")
        try set("A1", "50")
        try db.exec("ROLLBACK")
        let edit = try set("C1", formula: "=B1")
        XCTAssertEqual(edit.cell.valueJSON, "2", "the rolled-back 50 must not be seen")
    }

    func testAFormulaThatDoesNotParseIsRefusedAndWritesNothing() throws {
        XCTAssertThrowsError(try CellStore.applyCellUpdate(
            db, sheetId: "s1", write: CellWrite(cellId: "A1", valueJSON: "1", formula: "=SUM(1,"), userId: "u",
            username: "U", now: 1, formulas: formulas)) { error in
            guard case .invalid? = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try RoomStore.sheet(db, id: "s1")?.seq, 0)
        XCTAssertEqual(try stored("A1").version, 0)
    }
}
