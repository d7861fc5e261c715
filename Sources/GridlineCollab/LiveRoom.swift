/// A room with people in it: its member connections (for fan-out) and one presence per user.
/// Joins, leaves and lookups are O(1); a broadcast walks `members` once. Loop thread only.
public final class LiveRoom<Member: AnyObject> {
    public let id: String
    /// Member connections; order is not meaningful (removal swaps with the last).
    public private(set) var members: [Member] = []
    private var memberSlots: [ObjectIdentifier: Int] = [:]
    private var connectionsPerUser: [String: Int] = [:]
    public private(set) var presences: [String: Presence] = [:]
    /// Users in the order they arrived, for `room_state`.
    private var arrivalOrder: [String] = []
    /// Cells each user is typing in.
    public var typing: [String: Set<String>] = [:]
    public var messagesSent: UInt64 = 0
    public var lastActivity: Int64

    public init(id: String, now: Int64) {
        self.id = id
        self.lastActivity = now
    }

    public var userCount: Int { presences.count }
    public var isEmpty: Bool { members.isEmpty }

    public func contains(_ member: Member) -> Bool { memberSlots[ObjectIdentifier(member)] != nil }

    /// Adds a connection; returns true when it is the user's first here (a new presence).
    @discardableResult
    public func add(_ member: Member, user: User, now: Int64) -> Bool {
        let key = ObjectIdentifier(member)
        guard memberSlots[key] == nil else { return false }
        memberSlots[key] = members.count
        members.append(member)
        lastActivity = now
        let count = connectionsPerUser[user.id, default: 0]
        connectionsPerUser[user.id] = count + 1
        guard count == 0 else { return false }
        presences[user.id] = Presence(user: user, room: id, status: "online", now: now)
        arrivalOrder.append(user.id)
        return true
    }

    /// Removes a connection; returns true when it was the user's last here (the presence ends).
    @discardableResult
    public func remove(_ member: Member, userID: String) -> Bool {
        let key = ObjectIdentifier(member)
        guard let slot = memberSlots.removeValue(forKey: key) else { return false }
        let last = members.removeLast()
        if slot < members.count {
            members[slot] = last
            memberSlots[ObjectIdentifier(last)] = slot
        }
        let count = connectionsPerUser[userID, default: 1] - 1
        guard count == 0 else {
            connectionsPerUser[userID] = count
            return false
        }
        connectionsPerUser[userID] = nil
        presences[userID] = nil
        typing[userID] = nil
        if let index = arrivalOrder.firstIndex(of: userID) { arrivalOrder.remove(at: index) }
        return true
    }

    public var orderedPresences: [Presence] { arrivalOrder.compactMap { presences[$0] } }

    /// Changes a presence in place (every cursor move does this, so no copy in and out).
    public func updatePresence(of userID: String, _ change: (inout Presence) -> Void) {
        guard presences[userID] != nil else { return }
        change(&presences[userID]!)
    }
}

/// Every live room, created on first join and dropped when its last member leaves.
public final class RoomRegistry<Member: AnyObject> {
    public private(set) var rooms: [String: LiveRoom<Member>] = [:]

    public init() {}

    public subscript(id: String) -> LiveRoom<Member>? { rooms[id] }

    public func roomForJoin(_ id: String, now: Int64) -> LiveRoom<Member> {
        if let room = rooms[id] { return room }
        let room = LiveRoom<Member>(id: id, now: now)
        rooms[id] = room
        return room
    }

    public func dropIfEmpty(_ id: String) {
        if let room = rooms[id], room.isEmpty { rooms[id] = nil }
    }

    public func remove(_ id: String) -> LiveRoom<Member>? { rooms.removeValue(forKey: id) }
}
