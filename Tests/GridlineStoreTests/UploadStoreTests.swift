import XCTest

@testable import GridlineStore

final class UploadStoreTests: XCTestCase {
    func testUploadMovesFromPendingThroughUploadingToComplete() throws {
        let db = try makeMigratedDatabase(self)
        let created = try UploadStore.create(
            db, id: "f1", userId: "u1", filename: "a.csv", mimeType: "text/csv", declaredSize: 100, roomId: "r1", now: 5)
        XCTAssertEqual(created.status, .pending)
        XCTAssertEqual(try UploadStore.get(db, id: "f1"), created)

        XCTAssertTrue(try UploadStore.recordProgress(db, id: "f1", bytesReceived: 40))
        XCTAssertEqual(try UploadStore.get(db, id: "f1")?.status, .uploading)
        XCTAssertEqual(try UploadStore.get(db, id: "f1")?.bytesReceived, 40)

        XCTAssertTrue(try UploadStore.complete(db, id: "f1", storedName: "f1.bin", bytesReceived: 100, now: 9))
        let done = try UploadStore.get(db, id: "f1")
        XCTAssertEqual(done?.status, .complete)
        XCTAssertEqual(done?.storedName, "f1.bin")
        XCTAssertEqual(done?.bytesReceived, 100)
        XCTAssertEqual(done?.completedAt, 9)

        XCTAssertFalse(try UploadStore.recordProgress(db, id: "f1", bytesReceived: 1), "a finished upload never changes")
        XCTAssertFalse(try UploadStore.fail(db, id: "f1", now: 10))
    }

    func testFailedUploadAndDuplicateIdAndUnknownId() throws {
        let db = try makeMigratedDatabase(self)
        try UploadStore.create(db, id: "f2", userId: "u1", filename: "b", mimeType: "x/y", declaredSize: 1, roomId: nil, now: 1)
        XCTAssertThrowsError(
            try UploadStore.create(db, id: "f2", userId: "u1", filename: "b", mimeType: "x/y", declaredSize: 1, roomId: nil, now: 1)
        ) { error in
            XCTAssertEqual(error as? StoreError, .duplicate("upload f2"))
        }
        XCTAssertTrue(try UploadStore.fail(db, id: "f2", now: 3))
        XCTAssertEqual(try UploadStore.get(db, id: "f2")?.status, .failed)
        XCTAssertNil(try UploadStore.get(db, id: "nope"))
        XCTAssertFalse(try UploadStore.recordProgress(db, id: "nope", bytesReceived: 1))
    }
}
