import XCTest

@testable import GridlineStore

final class NotificationStoreTests: XCTestCase {
    private func create(_ db: Database, user: String, title: String, now: Int64) throws -> NotificationRecord {
        try NotificationStore.create(
            db, userId: user, title: title, message: "m", category: "system", priority: .high,
            moduleName: "tests", now: now)
    }

    func testCreatedNotificationGetsAnIdAndIsStoredUnread() throws {
        let db = try makeMigratedDatabase(self)
        let record = try create(db, user: "u1", title: "Hello", now: 10)
        XCTAssertTrue(record.id.hasPrefix("ntf_"))
        XCTAssertEqual(record.id.count, 4 + 16)
        XCTAssertNil(record.readAt)
        XCTAssertEqual(try NotificationStore.notification(db, id: record.id), record)
        XCTAssertNotEqual(try create(db, user: "u1", title: "Again", now: 10).id, record.id)
    }

    func testListIsNewestFirstPerUserWithUnreadFilterAndLimit() throws {
        let db = try makeMigratedDatabase(self)
        let old = try create(db, user: "u1", title: "old", now: 10)
        _ = try create(db, user: "u1", title: "mid", now: 20)
        _ = try create(db, user: "u1", title: "new", now: 30)
        _ = try create(db, user: "u2", title: "other", now: 40)
        XCTAssertEqual(try NotificationStore.markRead(db, id: old.id, userId: "u1", now: 50), .marked)

        XCTAssertEqual(try NotificationStore.list(db, userId: "u1", unreadOnly: false, limit: 10).map(\.title), ["new", "mid", "old"])
        XCTAssertEqual(try NotificationStore.list(db, userId: "u1", unreadOnly: true, limit: 10).map(\.title), ["new", "mid"])
        XCTAssertEqual(try NotificationStore.list(db, userId: "u1", unreadOnly: false, limit: 1).map(\.title), ["new"])
        XCTAssertEqual(try NotificationStore.list(db, userId: "u1", unreadOnly: false, limit: 10).last?.readAt, 50)
    }

    func testMarkReadDistinguishesMarkedAlreadyReadAndNotFound() throws {
        let db = try makeMigratedDatabase(self)
        let record = try create(db, user: "u1", title: "t", now: 10)
        XCTAssertEqual(try NotificationStore.markRead(db, id: record.id, userId: "u2", now: 20), .notFound, "another user's")
        XCTAssertEqual(try NotificationStore.markRead(db, id: record.id, userId: "u1", now: 30), .marked)
        XCTAssertEqual(try NotificationStore.markRead(db, id: record.id, userId: "u1", now: 40), .alreadyRead)
        XCTAssertEqual(try NotificationStore.markRead(db, id: "ntf_missing", userId: "u1", now: 40), .notFound)
        XCTAssertEqual(try NotificationStore.notification(db, id: record.id)?.readAt, 30, "the first read time is kept")
    }
}
