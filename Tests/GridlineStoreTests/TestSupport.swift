import Foundation
import XCTest

@testable import GridlineStore

/// Paths of the repository's own migrations and seed, found from this file's location.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let migrations = root.appendingPathComponent("Migrations")
    static let seed = root.appendingPathComponent("seed")
}

/// A directory under /tmp removed when the test ends.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("gridline-store-\(RandomID.make(prefix: "", byteCount: 6))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A migrated database file opened as the writer opens it, closed when the test ends.
func makeMigratedDatabase(_ testCase: XCTestCase) throws -> Database {
    let directory = try makeTemporaryDirectory(testCase)
    let db = try Store.openConnection(path: directory.appendingPathComponent("test.sqlite").path, readOnly: false)
    try Migrator(directory: Repository.migrations).migrate(db)
    testCase.addTeardownBlock { db.close() }
    return db
}

/// A room `r1` with a sheet `s1`.
func makeRoomAndSheet(_ db: Database, room: String = "r1", sheet: String = "s1") throws {
    try RoomStore.createRoom(db, id: room, name: "Room \(room)", now: 1_000)
    try RoomStore.createSheet(db, id: sheet, roomId: room, name: "Sheet \(sheet)", now: 1_000)
}

/// A sheet's history rows as a table with `seq` (migration 005 keys them by one integer id):
/// `FROM \(historyOfSheet)` with the sheet id bound to the first `?`.
let historyOfSheet = """
    (SELECT id & ((1 << 39) - 1) AS seq, cell_id, value, formula, version, user_id, username, applied_at, error
     FROM cell_history WHERE id >> 39 = (SELECT key FROM sheets WHERE id = ?))
    """

/// Collects values delivered on other threads, in arrival order.
// @unchecked: every field is guarded by `lock`.
final class Collector<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []

    func append(_ item: T) { lock.withLock { items.append(item) } }
    var values: [T] { lock.withLock { items } }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
