import GridlineCollab
import GridlineLoop

/// A Socket.IO session whose transport was lost: who it was and where, kept for the recovery
/// window (SPEC §12).
struct DetachedSocket {
    let socketID: String
    let pid: String
    let user: User
    let rooms: [String]
    let notificationFilter: NotificationFilter?
    let detachedAt: UInt64
}

/// What a recovered session gets back.
struct RecoveredSocket {
    let socketID: String
    let pid: String
    let rooms: [String]
    let notificationFilter: NotificationFilter?
    let missed: [OutgoingMessage]
}

/// Connection state recovery as socket.io's session-aware adapter does it (Socket.IO 4.6+): one
/// server-wide log of recent room and user messages, bounded in bytes and age and kept only
/// while Socket.IO sessions exist; a session that lost its transport is remembered by `pid`
/// with its rooms, and when it comes back it gets the logged messages of its rooms and user
/// after the offset it last saw. The log holds the shared message objects, so it costs one
/// reference per message however many sessions there are. Loop thread only.
final class SocketIORecovery {
    private struct Entry {
        let message: OutgoingMessage
        /// The room the message went to, or nil for a message to `user`.
        let room: String?
        let user: String?
        let loggedAt: UInt64
    }

    let window: Double
    let byteCap: Int
    /// The loop outlives this; its clock ages the log.
    unowned(unsafe) let loop: EventLoop
    private var log: [Entry] = []
    private var head = 0
    private var bytes = 0
    /// The newest offset dropped from the log: a client that saw less cannot be recovered.
    private var droppedThrough: UInt64 = 0
    private var detached: [String: DetachedSocket] = [:]
    /// Connected Socket.IO sessions; the log runs while there is one, or a detached one.
    private var liveSessions = 0

    init(window: Double, byteCap: Int, loop: EventLoop) {
        self.window = window
        self.byteCap = byteCap
        self.loop = loop
    }

    var isLogging: Bool { liveSessions > 0 || !detached.isEmpty }
    var detachedCount: Int { detached.count }

    func sessionOpened() { liveSessions += 1 }

    func sessionClosed() {
        liveSessions -= 1
        stopLoggingIfIdle()
    }

    // MARK: The log

    /// A message to a room's members.
    func record(_ message: OutgoingMessage, room: String) {
        append(message, room: room, user: nil)
    }

    /// A message to every connection of a user.
    func record(_ message: OutgoingMessage, user: String) {
        append(message, room: nil, user: user)
    }

    private func append(_ message: OutgoingMessage, room: String?, user: String?) {
        guard isLogging else { return }
        log.append(Entry(message: message, room: room, user: user, loggedAt: loop.now))
        bytes += message.json.count
        while bytes > byteCap, head < log.count { dropOldest() }
        compact()
    }

    private func dropOldest() {
        let entry = log[head]
        bytes -= entry.message.json.count
        droppedThrough = max(droppedThrough, entry.message.offset)
        head += 1
    }

    private func compact() {
        guard head > 1024, head * 2 > log.count else { return }
        log.removeFirst(head)
        head = 0
    }

    private func stopLoggingIfIdle() {
        guard !isLogging, !log.isEmpty else { return }
        droppedThrough = log.last?.message.offset ?? droppedThrough
        log.removeAll()
        head = 0
        bytes = 0
    }

    // MARK: Sessions

    func detach(socketID: String, pid: String, session: ClientSession, now: UInt64) {
        detached[pid] = DetachedSocket(socketID: socketID, pid: pid, user: session.user,
                                       rooms: session.collab.rooms.sorted(),
                                       notificationFilter: session.collab.notificationFilter, detachedAt: now)
    }

    /// The detached session `pid` of `userID` with what it missed after `offset`; nil when
    /// unknown, expired, someone else's, or past recovering (the log no longer reaches back).
    func take(pid: String, userID: String, offset: String?) -> RecoveredSocket? {
        guard let found = detached[pid], found.user.id == userID else { return nil }
        detached[pid] = nil
        defer { stopLoggingIfIdle() }
        guard let offset = offset.flatMap(UInt64.init), offset >= droppedThrough else { return nil }
        let rooms = Set(found.rooms)
        var missed: [OutgoingMessage] = []
        for entry in log[head...] where entry.message.offset > offset {
            if let room = entry.room, rooms.contains(room) {
                missed.append(entry.message)
            } else if entry.user == userID {
                missed.append(entry.message)
            }
        }
        return RecoveredSocket(socketID: found.socketID, pid: found.pid, rooms: found.rooms,
                               notificationFilter: found.notificationFilter, missed: missed)
    }

    /// Ends the window for sessions detached longer ago than it, and ages the log.
    func sweep(now: UInt64) {
        let span = UInt64(window * 1e9)
        if !detached.isEmpty {
            detached = detached.filter { now - $0.value.detachedAt < span }
        }
        let cutoff = now &- span
        while head < log.count, log[head].loggedAt < cutoff { dropOldest() }
        compact()
        stopLoggingIfIdle()
    }
}
