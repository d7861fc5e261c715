import XCTest

@testable import GridlineStore

final class SeedLoaderTests: XCTestCase {
    func testDemoSeedLoadsOnceIntoAnEmptyDatabase() throws {
        let db = try makeMigratedDatabase(self)
        XCTAssertTrue(try SeedLoader.loadIfEmpty(db, seedDirectory: Repository.seed))
        XCTAssertFalse(try SeedLoader.loadIfEmpty(db, seedDirectory: Repository.seed))

        let room = try RoomStore.room(db, id: "demo")
        XCTAssertEqual(room?.name, "Demo room")
        XCTAssertEqual(room?.sheets.map(\.id), ["demo-sheet"])
        let snapshot = try CellStore.snapshot(db, sheetId: "demo-sheet")
        XCTAssertEqual(snapshot.cells.count, 20)
        XCTAssertTrue(snapshot.cells.allSatisfy { $0.version == 1 && Double($0.valueJSON) != nil })
        XCTAssertEqual(snapshot.seq, 20)
        guard case .entries(let history) = try CellStore.history(db, sheetId: "demo-sheet", sinceSeq: 0, limit: 100) else {
            return XCTFail("seeded history should be complete")
        }
        XCTAssertEqual(history.map(\.seq), Array(1...20))
        XCTAssertFalse(try NotificationStore.list(db, userId: "demo", unreadOnly: true, limit: 10).isEmpty)
        XCTAssertFalse(try NotificationStore.list(db, userId: "admin", unreadOnly: true, limit: 10).isEmpty)
    }

    func testSeedIsSkippedWhenRoomsExist() throws {
        let db = try makeMigratedDatabase(self)
        try RoomStore.createRoom(db, id: "mine", name: "Mine", now: 1)
        XCTAssertFalse(try SeedLoader.loadIfEmpty(db, seedDirectory: Repository.seed))
        XCTAssertNil(try RoomStore.room(db, id: "demo"))
    }

    func testABrokenSeedFileLoadsNothingAndNamesTheFile() throws {
        let db = try makeMigratedDatabase(self)
        let directory = try makeTemporaryDirectory(self)
        try "INSERT INTO rooms VALUES ('x', 'X', 1);".write(
            to: directory.appendingPathComponent("001_ok.sql"), atomically: true, encoding: .utf8)
        try "INSERT INTO nowhere VALUES (1);".write(
            to: directory.appendingPathComponent("002_bad.sql"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SeedLoader.loadIfEmpty(db, seedDirectory: directory)) { error in
            guard case .migrationFailed(let file, _)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "002_bad.sql")
        }
        XCTAssertNil(try RoomStore.room(db, id: "x"))
    }
}
