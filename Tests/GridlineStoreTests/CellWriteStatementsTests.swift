import XCTest

@testable import GridlineStore

/// The held statements that persist cells and history rows in blocks.
final class CellWriteStatementsTests: XCTestCase {
    private var db: Database!

    override func setUpWithError() throws {
        db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
    }

    private func cell(_ id: String, _ value: String, seq: Int64, version: Int64 = 1, error: String? = nil) -> AppliedCell {
        AppliedCell(
            cellId: id, valueJSON: value, formula: "=X\(seq)", version: version, seq: seq, updatedBy: "u", updatedAt: 9,
            error: error)
    }

    /// Where sheet s1's ids start.
    private func base() throws -> Int64 {
        CellKey.base(sheetKey: try CellStore.sheetRow(db, "s1").key)
    }

    /// The cells' row ids in sheet s1, as the writer computes them from its `SheetCell`s.
    private func ids(_ cells: [AppliedCell]) throws -> [Int64] {
        let base = try base()
        return cells.map { base + CellKey.offset(cellId: $0.cellId)! }
    }

    private func history() throws -> [HistoryEntry] {
        guard case .entries(let entries) = try CellStore.history(db, sheetId: "s1", sinceSeq: 0, limit: 1_000) else {
            XCTFail("history truncated")
            return []
        }
        return entries
    }

    func testHistoryRowsSplitAcrossBlocksKeepEveryColumn() throws {
        // 101 = 64 + 32 + 4 + 1: every block size the remainder walks through but 16, 8 and 2.
        let cells = (1...101).map { cell("A\($0)", "\($0)", seq: Int64($0), error: $0 == 50 ? "#DIV/0!" : nil) }
        try db.run("UPDATE sheets SET seq = 101 WHERE id = 's1'")
        try db.statements(CellWriteStatements.self).insertHistory(cells, sheetBase: base(), username: "U")
        let entries = try history()
        XCTAssertEqual(entries.map(\.seq), Array(1...101))
        XCTAssertEqual(entries.map(\.cellId), cells.map(\.cellId))
        XCTAssertEqual(entries[49].valueJSON, "50")
        XCTAssertEqual(entries[49].error, "#DIV/0!")
        XCTAssertNil(entries[48].error)
        XCTAssertEqual(entries[100].formula, "=X101")
        XCTAssertEqual(entries[100].userId, "u")
        XCTAssertEqual(entries[100].username, "U")
        XCTAssertEqual(entries[100].appliedAt, 9)
    }

    func testAnUpdateOfAMissingRowInsertsItWhole() throws {
        let statements = try db.statements(CellWriteStatements.self)
        let written = [cell("B1", "1", seq: 1)]
        try statements.upsert(written, ids: ids(written))
        let recalculated = [cell("B1", "2", seq: 2, version: 2), cell("B2", "3", seq: 3, version: 4)]
        try statements.update(recalculated, ids: ids(recalculated))
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "B1").valueJSON, "2")
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "B1").formula, "=X1")
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "B1").version, 2)
        let inserted = try CellStore.cell(db, sheetId: "s1", cellId: "B2")
        XCTAssertEqual(inserted.valueJSON, "3")
        XCTAssertEqual(inserted.formula, "=X3")
        XCTAssertEqual(inserted.version, 4)
    }

    func testUpdatesInBlocksReachEveryRowAndInsertOnlyTheAbsentOnes() throws {
        let statements = try db.statements(CellWriteStatements.self)
        let absent: Set<Int> = [2, 40, 100]
        // 101 = 64 + 32 + 4 + 1 rows; row 40 is in the 64-row block, 100 in the 4-row one.
        let written = (1...101).filter { !absent.contains($0) }.map { cell("C\($0)", "0", seq: Int64($0)) }
        try statements.upsert(written, ids: ids(written))
        let recalculated = (1...101).map { cell("C\($0)", "\($0 * 10)", seq: Int64(1_000 + $0), version: 2) }
        try statements.update(recalculated, ids: ids(recalculated))
        for row in 1...101 {
            let stored = try CellStore.cell(db, sheetId: "s1", cellId: "C\(row)")
            XCTAssertEqual(stored.valueJSON, "\(row * 10)", "C\(row)")
            XCTAssertEqual(stored.version, 2, "C\(row)")
            // An update leaves a present row's formula; an absent row is inserted whole.
            XCTAssertEqual(stored.formula, absent.contains(row) ? "=X\(1_000 + row)" : "=X\(row)", "C\(row)")
        }
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM cells"), 101)
    }

    func testAHistoryRowThatIsThereAlreadyFailsTheBlockInsteadOfVanishing() throws {
        let statements = try db.statements(CellWriteStatements.self)
        try statements.insertHistory([cell("A1", "1", seq: 5)], sheetBase: base(), username: "U")
        XCTAssertThrowsError(try statements.insertHistory((3...6).map { cell("A\($0)", "\($0)", seq: Int64($0)) },
                                                          sheetBase: base(), username: "U")) { error in
            XCTAssertEqual(error as? StoreError, .duplicate("history row among the 4 from seq 3"))
        }
    }

    func testTheConnectionHandsOutOneSetUntilClosed() throws {
        let first = try db.statements(CellWriteStatements.self)
        XCTAssertTrue(first === (try db.statements(CellWriteStatements.self)))
    }
}

/// Text bound in place keeps empty strings, NULLs and non-ASCII apart.
final class TextArenaTests: XCTestCase {
    func testSpansKeepEmptyNilAndMultibyteTextApart() throws {
        var arena = TextArena()
        arena.append("é€")
        arena.append(nil)
        arena.append("")
        arena.append("ok")
        XCTAssertEqual(arena.spans.map(\.count), [5, -1, 0, 2])
        let db = try makeMigratedDatabase(self)
        let statement = try db.prepare("SELECT ?1, ?2 IS NULL, ?3 IS NULL, length(?3), ?4")
        try arena.bytes.withUnsafeBufferPointer { buffer in
            for (index, span) in arena.spans.enumerated() {
                try statement.bind(span: span, base: buffer.baseAddress!, at: Int32(index + 1))
            }
            XCTAssertTrue(try statement.step())
            XCTAssertEqual(statement.string(0), "é€")
            XCTAssertEqual(statement.int(1), 1)
            XCTAssertEqual(statement.int(2), 0)
            XCTAssertEqual(statement.int(3), 0)
            XCTAssertEqual(statement.string(4), "ok")
            statement.reset()
        }
        arena.removeAll()
        XCTAssertTrue(arena.spans.isEmpty)
        XCTAssertEqual(arena.bytes.count, 1)
    }
}
