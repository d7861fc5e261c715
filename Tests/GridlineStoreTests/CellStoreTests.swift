import XCTest

@testable import GridlineStore

final class CellStoreTests: XCTestCase {
    private func update(
        _ db: Database, _ cell: String, _ value: String, expected: Int64? = nil, formula: String? = nil,
        user: String = "u1", sheet: String = "s1", now: Int64 = 50
    ) throws -> CellUpdateOutcome {
        try CellStore.applyCellUpdate(
            db, sheetId: sheet,
            write: CellWrite(cellId: cell, valueJSON: value, formula: formula, expectedVersion: expected),
            userId: user, username: user.uppercased(), now: now, formulas: FormulaWorkbook())
    }

    func testANeverWrittenCellIsVersionZeroAndNull() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "Z9"), .unwritten("Z9"))
        XCTAssertEqual(CellRecord.unwritten("Z9").valueJSON, "null")
    }

    func testMatchingVersionIsAppliedWithNextVersionSeqAndHistory() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        let first = try update(db, "A1", "1", expected: 0, formula: "=1", now: 60)
        XCTAssertEqual(
            first,
            .applied(AppliedCell(cellId: "A1", valueJSON: "1", formula: "=1", version: 1, seq: 1, updatedBy: "u1", updatedAt: 60,
                                 error: nil), recalculated: []))
        guard case .applied(let second, _) = try update(db, "A1", "\"two\"", expected: 1) else {
            return XCTFail("second write should apply")
        }
        XCTAssertEqual(second.version, 2)
        XCTAssertEqual(second.seq, 2)
        XCTAssertEqual(try RoomStore.sheet(db, id: "s1")?.seq, 2)
        let stored = try CellStore.cell(db, sheetId: "s1", cellId: "A1")
        XCTAssertEqual(stored.valueJSON, "\"two\"")
        XCTAssertNil(stored.formula)
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM \(historyOfSheet)", [.text("s1")]), 2)
    }

    func testStaleVersionIsRejectedWithCurrentCellAndWritesNothing() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        _ = try update(db, "A1", "1", expected: 0, user: "alice", now: 70)
        let outcome = try update(db, "A1", "2", expected: 0, user: "bob")
        XCTAssertEqual(
            outcome,
            .conflict(current: CellRecord(cellId: "A1", valueJSON: "1", formula: nil, version: 1, updatedBy: "alice", updatedAt: 70)))
        XCTAssertEqual(try update(db, "B1", "2", expected: 3), .conflict(current: .unwritten("B1")))
        XCTAssertEqual(try RoomStore.sheet(db, id: "s1")?.seq, 1)
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM cell_history"), 1)
    }

    func testConcurrentWritersOfOneVersionExactlyOneWins() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        let outcomes = try (0..<5).map { try update(db, "C3", "\($0)", expected: 0, user: "user\($0)") }
        XCTAssertEqual(outcomes.filter { if case .applied = $0 { true } else { false } }.count, 1)
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "C3").version, 1)
    }

    func testWithoutAVersionTheLastWriterWins() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        _ = try update(db, "A1", "1")
        guard case .applied(let cell, _) = try update(db, "A1", "2", user: "u2") else { return XCTFail() }
        XCTAssertEqual(cell.version, 2)
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "A1").updatedBy, "u2")
    }

    func testUpdateOfAnUnknownSheetThrowsSheetNotFound() throws {
        let db = try makeMigratedDatabase(self)
        XCTAssertThrowsError(try update(db, "A1", "1", sheet: "ghost")) { error in
            XCTAssertEqual(error as? StoreError, .sheetNotFound("ghost"))
        }
    }

    func testBatchTakesOneSeqPerCellInOrder() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        _ = try update(db, "A1", "0")
        let outcome = try CellStore.applyCellBatch(
            db, sheetId: "s1",
            writes: [
                CellWrite(cellId: "A1", valueJSON: "1", expectedVersion: 1),
                CellWrite(cellId: "A2", valueJSON: "2"),
                CellWrite(cellId: "A3", valueJSON: "3", formula: "=A1+A2", expectedVersion: 0),
            ],
            userId: "u", username: "U", now: 9, formulas: FormulaWorkbook())
        guard case .applied(let cells, _) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(cells.map(\.cellId), ["A1", "A2", "A3"])
        XCTAssertEqual(cells.map(\.seq), [2, 3, 4])
        XCTAssertEqual(cells.map(\.version), [2, 1, 1])
        XCTAssertEqual(try RoomStore.sheet(db, id: "s1")?.seq, 4)
        XCTAssertEqual(try db.query("SELECT cell_id FROM \(historyOfSheet) ORDER BY seq", [.text("s1")]) { $0.string(0) }, ["A1", "A1", "A2", "A3"])
    }

    func testBatchWithOneStaleCellWritesNothingAndListsEveryConflict() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        _ = try update(db, "A1", "1", user: "x", now: 5)
        _ = try update(db, "A2", "1", user: "x", now: 5)
        let outcome = try CellStore.applyCellBatch(
            db, sheetId: "s1",
            writes: [
                CellWrite(cellId: "A1", valueJSON: "9", expectedVersion: 0),
                CellWrite(cellId: "B1", valueJSON: "9", expectedVersion: 0),
                CellWrite(cellId: "A2", valueJSON: "9", expectedVersion: 7),
            ],
            userId: "u", username: "U", now: 9, formulas: FormulaWorkbook())
        XCTAssertEqual(
            outcome,
            .conflicts([
                CellConflict(cellId: "A1", current: CellRecord(cellId: "A1", valueJSON: "1", formula: nil, version: 1, updatedBy: "x", updatedAt: 5)),
                CellConflict(cellId: "A2", current: CellRecord(cellId: "A2", valueJSON: "1", formula: nil, version: 1, updatedBy: "x", updatedAt: 5)),
            ]))
        XCTAssertEqual(try RoomStore.sheet(db, id: "s1")?.seq, 2)
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM cell_history"), 2)
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "B1").version, 0)
    }

    func testBatchWithTheSameCellTwiceIsRefusedAsInvalid() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        XCTAssertThrowsError(
            try CellStore.applyCellBatch(
                db, sheetId: "s1",
                writes: [CellWrite(cellId: "A1", valueJSON: "1"), CellWrite(cellId: "A1", valueJSON: "2")],
                userId: "u", username: "U", now: 1, formulas: FormulaWorkbook())
        ) { error in
            guard case .invalid? = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try RoomStore.sheet(db, id: "s1")?.seq, 0)
    }

    func testEmptyBatchAppliesNothing() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        XCTAssertEqual(
            try CellStore.applyCellBatch(db, sheetId: "s1", writes: [], userId: "u", username: "U", now: 1,
                                         formulas: FormulaWorkbook()), .applied([], recalculated: []))
        XCTAssertThrowsError(
            try CellStore.applyCellBatch(db, sheetId: "nope", writes: [], userId: "u", username: "U", now: 1,
                                         formulas: FormulaWorkbook()))
    }
}
