/// A sheet as the loop knows it: which room it belongs to.
public struct SheetInfo: Sendable, Equatable {
    public let id: String
    public let roomID: String
    public let name: String

    public init(id: String, roomID: String, name: String) {
        self.id = id
        self.roomID = roomID
        self.name = name
    }
}

/// A room as stored: its name and its sheets in creation order.
public struct RoomInfo: Sendable, Equatable {
    public let id: String
    public let name: String
    public let createdAt: Int64
    public var sheetIDs: [String]

    public init(id: String, name: String, createdAt: Int64, sheetIDs: [String]) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.sheetIDs = sheetIDs
    }
}

/// The loop's copy of which rooms and sheets exist, loaded at start-up and changed only after
/// the database has committed a change, so membership checks never wait for disk.
public struct RoomDirectory: Sendable {
    public private(set) var rooms: [String: RoomInfo] = [:]
    public private(set) var sheets: [String: SheetInfo] = [:]

    public init() {}

    public mutating func add(_ room: RoomInfo) { rooms[room.id] = room }

    public mutating func add(_ sheet: SheetInfo) {
        sheets[sheet.id] = sheet
        if rooms[sheet.roomID]?.sheetIDs.contains(sheet.id) == false { rooms[sheet.roomID]?.sheetIDs.append(sheet.id) }
    }

    public mutating func removeRoom(_ id: String) {
        guard let room = rooms.removeValue(forKey: id) else { return }
        for sheetID in room.sheetIDs { sheets[sheetID] = nil }
    }
}
