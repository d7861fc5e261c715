import XCTest

@testable import GridlineStore

final class RoomStoreTests: XCTestCase {
    func testRoomIsCreatedFetchedAndListedWithItsSheets() throws {
        let db = try makeMigratedDatabase(self)
        XCTAssertEqual(
            try RoomStore.createRoom(db, id: "r1", name: "One", now: 10),
            RoomRecord(id: "r1", name: "One", createdAt: 10, sheets: []))
        try RoomStore.createRoom(db, id: "r2", name: "Two", now: 20)
        let sheet = try RoomStore.createSheet(db, id: "s1", roomId: "r1", name: "Sheet", now: 30)
        XCTAssertEqual(sheet, SheetRecord(id: "s1", roomId: "r1", name: "Sheet", seq: 0, createdAt: 30))

        XCTAssertEqual(try RoomStore.room(db, id: "r1")?.sheets, [sheet])
        XCTAssertNil(try RoomStore.room(db, id: "nope"))
        let rooms = try RoomStore.listRooms(db)
        XCTAssertEqual(rooms.map(\.id), ["r1", "r2"])
        XCTAssertEqual(rooms[0].sheets, [sheet])
        XCTAssertEqual(rooms[1].sheets, [])
    }

    func testDuplicateRoomOrSheetIdIsReportedAsDuplicate() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        XCTAssertThrowsError(try RoomStore.createRoom(db, id: "r1", name: "again", now: 1)) { error in
            XCTAssertEqual(error as? StoreError, .duplicate("room r1"))
        }
        XCTAssertThrowsError(try RoomStore.createSheet(db, id: "s1", roomId: "r1", name: "again", now: 1)) { error in
            XCTAssertEqual(error as? StoreError, .duplicate("sheet s1"))
        }
    }

    func testSheetNeedsAnExistingRoom() throws {
        let db = try makeMigratedDatabase(self)
        XCTAssertThrowsError(try RoomStore.createSheet(db, id: "s", roomId: "ghost", name: "x", now: 1)) { error in
            XCTAssertEqual(error as? StoreError, .roomNotFound("ghost"))
        }
        XCTAssertNil(try RoomStore.sheet(db, id: "s"))
    }

    func testSheetsAreListedByRoom() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        try RoomStore.createSheet(db, id: "s2", roomId: "r1", name: "Second", now: 2_000)
        XCTAssertEqual(try RoomStore.listSheets(db, roomId: "r1").map(\.id), ["s1", "s2"])
        XCTAssertEqual(try RoomStore.listSheets(db, roomId: "other"), [])
        XCTAssertEqual(try RoomStore.sheet(db, id: "s2")?.roomId, "r1")
    }

    func testDeletingARoomCascadesToSheetsCellsAndHistory() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        _ = try CellStore.applyCellUpdate(
            db, sheetId: "s1", write: CellWrite(cellId: "A1", valueJSON: "1"), userId: "u", username: "U", now: 1,
            formulas: FormulaWorkbook())
        XCTAssertTrue(try RoomStore.deleteRoom(db, id: "r1"))
        XCTAssertFalse(try RoomStore.deleteRoom(db, id: "r1"))
        XCTAssertNil(try RoomStore.sheet(db, id: "s1"))
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM cells"), 0)
        XCTAssertEqual(try db.scalarInt64("SELECT count(*) FROM cell_history"), 0)
    }

    func testASheetPastTheLastKeyIsRefusedAndNothingIsKept() throws {
        let db = try makeMigratedDatabase(self)
        try makeRoomAndSheet(db)
        // The next rowid would not fit above a cell id's column and row bits (`CellKey`).
        try db.run("UPDATE sheets SET key = ? WHERE id = 's1'", [.integer(CellKey.maxSheetKey)])
        XCTAssertThrowsError(try RoomStore.createSheet(db, id: "s2", roomId: "r1", name: "Two", now: 5)) { error in
            guard case .invalid(let message)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("sheet key"), message)
        }
        XCTAssertNil(try RoomStore.sheet(db, id: "s2"))
        // The last key still holds cells whose ids stay positive.
        _ = try CellStore.applyCellUpdate(
            db, sheetId: "s1", write: CellWrite(cellId: "ZZZ9999999", valueJSON: "1", formula: nil, expectedVersion: 0),
            userId: "u", username: "U", now: 6, formulas: FormulaWorkbook())
        XCTAssertEqual(try CellStore.cell(db, sheetId: "s1", cellId: "ZZZ9999999").version, 1)
        XCTAssertEqual(try db.scalarInt64("SELECT min(id) > 0 FROM cells"), 1)
    }

    func testUpsertUserKeepsFirstSeenAndRefreshesTheRest() throws {
        let db = try makeMigratedDatabase(self)
        try UserStore.upsertUser(db, id: "u1", username: "ann", email: nil, role: "editor", now: 100)
        try UserStore.upsertUser(db, id: "u1", username: "Ann", email: "a@x.io", role: "admin", now: 200)
        XCTAssertEqual(
            try UserStore.user(db, id: "u1"),
            UserRecord(id: "u1", username: "Ann", email: "a@x.io", role: "admin", firstSeen: 100, lastSeen: 200))
        XCTAssertNil(try UserStore.user(db, id: "u2"))
    }
}
