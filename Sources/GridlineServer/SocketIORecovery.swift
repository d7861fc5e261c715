import GridlineCollab
import GridlineLoop

/// The messages a Socket.IO session was sent lately, oldest first, within a byte budget: what a
/// client that lost its transport may not have read. The messages are the shared broadcast
/// objects, so keeping them costs references, not copies. Loop thread only.
struct RecentEvents {
    private(set) var messages: [OutgoingMessage] = []
    private var head = 0
    private var bytes = 0
    let byteCap: Int
    /// True once older messages were dropped: an offset before them cannot be recovered.
    private(set) var trimmed = false

    init(byteCap: Int) {
        self.byteCap = byteCap
    }

    mutating func append(_ message: OutgoingMessage) {
        guard byteCap > 0 else { return }
        messages.append(message)
        bytes += message.json.count
        while bytes > byteCap, head < messages.count {
            bytes -= messages[head].json.count
            head += 1
            trimmed = true
        }
        if head > 64, head * 2 > messages.count {
            messages.removeFirst(head)
            head = 0
        }
    }

    var live: ArraySlice<OutgoingMessage> { messages[head...] }
    var byteCount: Int { bytes }

    /// The messages after the one with `offset`; nil when that one is no longer here. Without an
    /// offset the client read nothing, so everything is missed, if nothing was dropped yet.
    func after(offset: UInt64?) -> ArraySlice<OutgoingMessage>? {
        let kept = live
        guard let offset else { return trimmed ? nil : kept }
        guard let index = kept.firstIndex(where: { $0.offset == offset }) else { return nil }
        return kept[(index + 1)...]
    }
}

/// A Socket.IO session whose transport was lost: its user, rooms and subscription, and the
/// messages it was sent or would have been sent, kept for the recovery window (SPEC §12).
final class DetachedSocket {
    let socketID: String
    let pid: String
    let user: User
    let rooms: [String]
    let notificationFilter: NotificationFilter?
    let detachedAt: UInt64
    var events: RecentEvents
    /// Set when a message would not fit: the client must resynchronise instead.
    var overflowed = false

    init(socketID: String, pid: String, user: User, rooms: [String], notificationFilter: NotificationFilter?,
         detachedAt: UInt64, events: RecentEvents) {
        self.socketID = socketID
        self.pid = pid
        self.user = user
        self.rooms = rooms
        self.notificationFilter = notificationFilter
        self.detachedAt = detachedAt
        self.events = events
    }
}

/// What a recovered session gets back.
struct RecoveredSocket {
    let socketID: String
    let pid: String
    let rooms: [String]
    let notificationFilter: NotificationFilter?
    let missed: [OutgoingMessage]
}

/// Connection state recovery (Socket.IO 4.6+): detached sessions by `pid`, fed the room and user
/// messages they miss until they come back or the window ends. Costs nothing while none is
/// detached. Loop thread only.
final class SocketIORecovery {
    let window: Double
    let byteCap: Int
    private var byPID: [String: DetachedSocket] = [:]
    private var byRoom: [String: [DetachedSocket]] = [:]
    private var byUser: [String: [DetachedSocket]] = [:]

    init(window: Double, byteCap: Int) {
        self.window = window
        self.byteCap = byteCap
    }

    var isEmpty: Bool { byPID.isEmpty }
    var count: Int { byPID.count }

    func detach(socketID: String, pid: String, session: ClientSession, recent: RecentEvents, now: UInt64) {
        let detached = DetachedSocket(socketID: socketID, pid: pid, user: session.user, rooms: session.collab.rooms.sorted(),
                                      notificationFilter: session.collab.notificationFilter, detachedAt: now, events: recent)
        byPID[pid] = detached
        for room in detached.rooms { byRoom[room, default: []].append(detached) }
        byUser[detached.user.id, default: []].append(detached)
    }

    /// A message to a room's members: the detached ones keep it too.
    func record(_ message: OutgoingMessage, room: String) {
        guard let list = byRoom[room] else { return }
        for detached in list { keep(message, in: detached) }
    }

    /// A message to every connection of a user.
    func record(_ message: OutgoingMessage, user: String) {
        guard let list = byUser[user] else { return }
        for detached in list { keep(message, in: detached) }
    }

    private func keep(_ message: OutgoingMessage, in detached: DetachedSocket) {
        guard !detached.overflowed else { return }
        if detached.events.byteCount + message.json.count > byteCap {
            detached.overflowed = true
            return
        }
        detached.events.append(message)
    }

    /// The detached session `pid` for `userID`, with what it missed after `offset`; nil when
    /// unknown, expired, someone else's, or past recovering.
    func take(pid: String, userID: String, offset: String?, server: Server) -> RecoveredSocket? {
        guard let detached = byPID[pid], detached.user.id == userID else { return nil }
        forget(detached)
        guard !detached.overflowed else { return nil }
        let offsetValue = offset.flatMap { UInt64($0) }
        if offset != nil && offsetValue == nil { return nil }
        guard let missed = detached.events.after(offset: offsetValue) else { return nil }
        return RecoveredSocket(socketID: detached.socketID, pid: detached.pid, rooms: detached.rooms,
                               notificationFilter: detached.notificationFilter, missed: Array(missed))
    }

    /// Ends the window for sessions detached longer ago than it.
    func sweep(now: UInt64) {
        guard !byPID.isEmpty else { return }
        let window = UInt64(self.window * 1e9)
        for detached in byPID.values where now - detached.detachedAt >= window { forget(detached) }
    }

    private func forget(_ detached: DetachedSocket) {
        byPID[detached.pid] = nil
        for room in detached.rooms {
            byRoom[room]?.removeAll { $0 === detached }
            if byRoom[room]?.isEmpty == true { byRoom[room] = nil }
        }
        byUser[detached.user.id]?.removeAll { $0 === detached }
        if byUser[detached.user.id]?.isEmpty == true { byUser[detached.user.id] = nil }
    }
}
