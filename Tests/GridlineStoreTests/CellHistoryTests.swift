import XCTest

@testable import GridlineStore

final class CellHistoryTests: XCTestCase {
    private func write(_ db: Database, count: Int, sheet: String = "s1") throws {
        for index in 0..<count {
            _ = try CellStore.applyCellUpdate(
                db, sheetId: sheet, write: CellWrite(cellId: "A\(index % 3 + 1)", valueJSON: "\(index)"),
                userId: "u", username: "U", now: Int64(index), formulas: FormulaWorkbook())
        }
    }

    private func seqs(_ result: HistoryResult) -> [Int64]? {
        if case .entries(let entries) = result { return entries.map(\.seq) }
        return nil
    }

    func testHistoryReturnsUpdatesAfterTheGivenSeqInOrderUpToTheLimit() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        try write(db, count: 6)
        XCTAssertEqual(seqs(try CellStore.history(db, sheetId: "s1", sinceSeq: 2, limit: 100)), [3, 4, 5, 6])
        XCTAssertEqual(seqs(try CellStore.history(db, sheetId: "s1", sinceSeq: 0, limit: 2)), [1, 2])
        XCTAssertEqual(seqs(try CellStore.history(db, sheetId: "s1", sinceSeq: 6, limit: 10)), [])
        guard case .entries(let entries) = try CellStore.history(db, sheetId: "s1", sinceSeq: 3, limit: 1) else {
            return XCTFail()
        }
        XCTAssertEqual(
            entries,
            [HistoryEntry(seq: 4, cellId: "A1", valueJSON: "3", formula: nil, version: 2, userId: "u", username: "U", appliedAt: 3, error: nil)])
    }

    func testHistoryThatNoLongerReachesBackIsTruncated() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        try write(db, count: 10)
        XCTAssertEqual(try CellStore.trimHistory(db, sheetId: "s1", keep: 4), 6)
        XCTAssertEqual(try CellStore.history(db, sheetId: "s1", sinceSeq: 5, limit: 100), .truncated)
        XCTAssertEqual(seqs(try CellStore.history(db, sheetId: "s1", sinceSeq: 6, limit: 100)), [7, 8, 9, 10])
        XCTAssertEqual(try CellStore.history(db, sheetId: "s1", sinceSeq: 11, limit: 100), .truncated, "ahead of the sheet")
        XCTAssertThrowsError(try CellStore.history(db, sheetId: "ghost", sinceSeq: 0, limit: 1))
    }

    func testTheTrimmerKeepsTheNewestRowsOfEverySheet() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        try RoomStore.createSheet(db, id: "s2", roomId: "r1", name: "two", now: 1)
        try write(db, count: 5)
        try write(db, count: 2, sheet: "s2")
        XCTAssertFalse(try HistoryTrimmer(keep: 3).trim(db), "one call is enough")
        XCTAssertEqual(historySeqs(db, "s1"), [3, 4, 5])
        XCTAssertEqual(historySeqs(db, "s2"), [1, 2])
    }

    func testTheTrimmerDeletesAtMostOneSliceOfRowsPerCall() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        try write(db, count: 10)
        let trimmer = HistoryTrimmer(keep: 2, sliceRows: 3)
        XCTAssertTrue(try trimmer.trim(db))
        XCTAssertEqual(historySeqs(db, "s1"), [4, 5, 6, 7, 8, 9, 10])
        XCTAssertTrue(try trimmer.trim(db))
        XCTAssertEqual(historySeqs(db, "s1"), [7, 8, 9, 10])
        XCTAssertFalse(try trimmer.trim(db), "the last two rows past retention fit the slice")
        XCTAssertEqual(historySeqs(db, "s1"), [9, 10])
        XCTAssertFalse(try trimmer.trim(db))
        XCTAssertEqual(historySeqs(db, "s1"), [9, 10])
    }

    func testTheTrimmerTakesSheetsInTurn() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        for sheet in ["s2", "s3"] { try RoomStore.createSheet(db, id: sheet, roomId: "r1", name: sheet, now: 1) }
        for sheet in ["s1", "s2", "s3"] { try write(db, count: 4, sheet: sheet) }
        let trimmer = HistoryTrimmer(keep: 1, sliceRows: 100, sheetsPerCall: 2)
        XCTAssertTrue(try trimmer.trim(db), "two of three sheets looked at")
        XCTAssertEqual(historySeqs(db, "s1"), [4])
        XCTAssertEqual(historySeqs(db, "s2"), [4])
        XCTAssertEqual(historySeqs(db, "s3"), [1, 2, 3, 4])
        XCTAssertFalse(try trimmer.trim(db))
        XCTAssertEqual(historySeqs(db, "s3"), [4])
    }

    private func historySeqs(_ db: Database, _ sheet: String) -> [Int64] {
        (try? db.query("SELECT seq FROM \(historyOfSheet) ORDER BY seq", [.text(sheet)]) { $0.int64(0) }) ?? []
    }

    func testSnapshotHoldsSheetSeqAndEveryWrittenCell() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        try write(db, count: 4)
        let snapshot = try CellStore.snapshot(db, sheetId: "s1")
        XCTAssertEqual(snapshot.sheetId, "s1")
        XCTAssertEqual(snapshot.roomId, "r1")
        XCTAssertEqual(snapshot.name, "Sheet s1")
        XCTAssertEqual(snapshot.seq, 4)
        XCTAssertEqual(snapshot.cells.map(\.cellId), ["A1", "A2", "A3"])
        XCTAssertEqual(snapshot.cells.map(\.version), [2, 1, 1])
        XCTAssertThrowsError(try CellStore.snapshot(db, sheetId: "ghost")) { error in
            XCTAssertEqual(error as? StoreError, .sheetNotFound("ghost"))
        }
    }
}
