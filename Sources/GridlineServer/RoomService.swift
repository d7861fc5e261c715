import GridlineCollab
import GridlineJSON
import GridlineLoop
import GridlineFormula

/// Rooms and presence (SPEC §4): the live rooms and their members, join/leave, room_state,
/// user_joined/user_left, and cleanup when a connection goes away so no presence, cursor or
/// typing indicator outlives it; and the live signals in them: cursors, typing indicators, status.
/// Loop thread only.
final class RoomService {
    /// The server outlives its services; unowned(unsafe) keeps refcounting off the broadcast path.
    unowned(unsafe) let server: Server
    /// Rooms with at least one member.
    let live = RoomRegistry<ClientSession>()
    /// Pending `user_typing_stop`s, by `typingKey(room, user, cell)`.
    private var typingTimers: [String: TimerHandle] = [:]

    init(server: Server) {
        self.server = server
    }

    subscript(id: String) -> LiveRoom<ClientSession>? { live[id] }
    var activeCount: Int { live.rooms.count }

    func registerHandlers(on router: MessageRouter) {
        router.on("join_room") { [unowned self] session, message in try self.joinRoom(session, message) }
        router.on("leave_room") { [unowned self] session, message in
            let roomID = try message.string("room_id")
            guard session.collab.rooms.contains(roomID), let room = self.live[roomID] else {
                throw MessageError(.NOT_IN_ROOM, "not in room '\(roomID)'")
            }
            self.leave(room, session)
            session.send(OutgoingMessage("room_left", [("room_id", .string(roomID))], requestID: message.requestID))
        }
        registerSignalHandlers(on: router)
    }

    private func joinRoom(_ session: ClientSession, _ message: IncomingMessage) throws {
        let roomID = try message.string("room_id")
        guard let info = server.directory.rooms[roomID] else {
            throw MessageError(.ROOM_NOT_FOUND, "room '\(roomID)' does not exist")
        }
        guard session.user.mayJoin(room: roomID) else {
            throw MessageError(.PERMISSION_DENIED, "your token does not allow room '\(roomID)'")
        }
        let room = enter(roomID, session)
        guard let cluster = server.cluster else {
            session.send(roomState(roomID, info: info, users: room.orderedPresences.map { $0.json(formatTime: Timestamp.iso8601) },
                                   total: room.userCount, requestID: message.requestID))
            return
        }
        // Everyone in the room on every node; after this connection's own join (queued first).
        let sessionID = session.id
        let requestID = message.requestID
        cluster.users.roster(room: roomID) { [unowned self] users in
            guard let session = self.server.sessions[sessionID] else { return }
            let list = users ?? room.orderedPresences.map { $0.json(formatTime: Timestamp.iso8601) }
            session.send(self.roomState(roomID, info: info, users: list, total: list.count, requestID: requestID))
        }
    }

    private func roomState(_ roomID: String, info: RoomInfo, users: [JSONValue], total: Int, requestID: String?) -> OutgoingMessage {
        OutgoingMessage("room_state", [
            ("room_id", .string(roomID)),
            ("users", .array(users)),
            ("active_sheets", .array(info.sheetIDs.map { .string($0) })),
            ("total_users", JSONValue(total)),
        ], requestID: requestID)
    }

    /// Puts a connection in a room; `user_joined` goes to the others when it is the user's first
    /// connection there.
    @discardableResult
    func enter(_ roomID: String, _ session: ClientSession) -> LiveRoom<ClientSession> {
        let now = Timestamp.nowMilliseconds()
        if live[roomID] == nil { server.cluster?.bus.track(roomID) }
        let room = live.roomForJoin(roomID, now: now)
        guard !room.contains(session) else { return room }
        session.collab.rooms.insert(roomID)
        let firstHere = room.add(session, user: session.user, now: now)
        if let cluster = server.cluster {
            // One presence per user cluster-wide (SPEC §15): Redis says whether this is the first.
            let presence = room.presences[session.user.id]?.json(formatTime: Timestamp.iso8601) ?? .null
            cluster.users.joined(room: roomID, session: session, presence: presence)
            return room
        }
        if firstHere, let presence = room.presences[session.user.id] {
            broadcast(OutgoingMessage("user_joined", [
                ("room_id", .string(roomID)), ("user", presence.json(formatTime: Timestamp.iso8601)),
                ("total_users", JSONValue(room.userCount)),
            ]), in: room, except: session)
        }
        return room
    }

    /// A recovered Socket.IO session (SPEC §12): back in the rooms it had (those that still
    /// exist and that its token still allows), then every message it missed, in order.
    func restore(_ recovered: RecoveredSocket, into session: ClientSession) {
        for roomID in recovered.rooms where server.directory.rooms[roomID] != nil && session.user.mayJoin(room: roomID) {
            enter(roomID, session)
        }
        session.collab.notificationFilter = recovered.notificationFilter
        server.log(.info, "recovered", connection: session.id, user: session.user.id,
                   [("rooms", JSONValue(recovered.rooms.count)), ("missed", JSONValue(recovered.missed.count))])
        for message in recovered.missed { session.send(message, as: .reply) }
    }

    /// Takes a connection out of a room: typing indicators end, and `user_left` goes out when it
    /// was the user's last connection there.
    func leave(_ room: LiveRoom<ClientSession>, _ session: ClientSession) {
        let userID = session.user.id
        session.collab.rooms.remove(room.id)
        let typingCells = room.typing[userID] ?? []
        let lastHere = room.remove(session, userID: userID)
        server.cluster?.users.left(room: room.id, session: session)
        guard lastHere else { return }
        for cell in typingCells.sorted() {
            cancelTypingTimer(room: room.id, user: userID, cell: cell)
            broadcast(typingStopFrame(room: room.id, user: session.user, cell: cell), in: room, except: nil)
        }
        if server.cluster == nil {
            broadcast(OutgoingMessage("user_left", [
                ("room_id", .string(room.id)), ("user_id", .string(userID)), ("total_users", JSONValue(room.userCount)),
            ]), in: room, except: nil)
        }
        dropIfEmpty(room.id)
    }

    private func dropIfEmpty(_ roomID: String) {
        live.dropIfEmpty(roomID)
        if live[roomID] == nil { server.cluster?.bus.untrack(roomID) }
    }

    /// A closed connection leaves every room it was in.
    func leaveAllRooms(_ session: ClientSession) {
        for roomID in session.collab.rooms.sorted() {
            if let room = live[roomID] { leave(room, session) }
        }
    }

    /// A deleted room (SPEC §9): its members hear `room_closed` and are out of it, its typing
    /// timers end. Returns how many members the frame reached.
    func close(_ roomID: String) -> Int {
        var notified = 0
        server.cluster?.bus.untrack(roomID)
        guard let room = live.remove(roomID) else { return notified }
        let frame = OutgoingMessage("room_closed", [("room_id", .string(roomID)), ("reason", "deleted by admin")])
        for member in room.members {
            member.collab.rooms.remove(roomID)
            if member.send(frame) { notified += 1 }
        }
        for (key, timer) in typingTimers where key.hasPrefix(roomID + "\u{0}") {
            timer.cancel()
            typingTimers[key] = nil
        }
        return notified
    }

    /// Queues `frame` to every member here (an admin broadcast); returns how many took it.
    func sendToMembers(_ frame: OutgoingMessage, of room: LiveRoom<ClientSession>) -> Int {
        room.messagesSent += 1
        var delivered = 0
        for member in room.members where member.send(frame) { delivered += 1 }
        return delivered
    }

    /// Queues one encoded frame to every member but `except`. Droppable frames (cursor, typing)
    /// are skipped for members whose send buffer is backing up. In a cluster the other nodes
    /// get it too; `coalesce` names what a later message replaces (a user's cursor): they get
    /// only the last one of a loop pass.
    func broadcast(_ chunk: OutgoingMessage, in room: LiveRoom<ClientSession>, except: ClientSession?,
                   droppable: Bool = false, coalesce: String? = nil) {
        deliver(chunk, to: room, except: except, droppable: droppable)
        server.cluster?.bus.publish(chunk, room: room.id, droppable: droppable, coalesce: coalesce)
    }

    /// `broadcast` for a room that may have no members on this node (cluster-wide presence).
    func broadcast(_ chunk: OutgoingMessage, roomID: String, except: ClientSession?) {
        if let room = live[roomID] { deliver(chunk, to: room, except: except, droppable: false) }
        server.cluster?.bus.publish(chunk, room: roomID, droppable: false)
    }

    /// A room event another node published: to the members here.
    func deliverRemote(_ chunk: OutgoingMessage, roomID: String, droppable: Bool) {
        guard let room = live[roomID] else { return }
        deliver(chunk, to: room, except: nil, droppable: droppable)
    }

    private func deliver(_ chunk: OutgoingMessage, to room: LiveRoom<ClientSession>, except: ClientSession?, droppable: Bool) {
        room.messagesSent += 1
        for member in room.members where member !== except { member.send(chunk, droppable: droppable) }
        if !droppable, server.engineIO.recovery.isLogging { server.engineIO.recovery.record(chunk, room: room.id) }
    }

    // MARK: Live signals

    /// Cursor and typing messages are rate-limited per connection and dropped silently past the
    /// rate; their broadcasts are the first thing a slow consumer loses.
    private func registerSignalHandlers(on router: MessageRouter) {
        router.on("cursor_move") { [unowned self] session, message in try self.cursorMove(session, message) }
        router.on("typing_start") { [unowned self] session, message in try self.typing(session, message, started: true) }
        router.on("typing_stop") { [unowned self] session, message in try self.typing(session, message, started: false) }
        router.on("status_update") { [unowned self] session, message in try self.statusUpdate(session, message) }
    }

    static let maxMetaBytes = 256

    /// The room a signal names, which the connection must have joined.
    private func joinedRoom(_ session: ClientSession, _ message: IncomingMessage) throws -> LiveRoom<ClientSession> {
        let roomID = try message.string("room")
        guard session.collab.rooms.contains(roomID), let room = live[roomID] else {
            throw MessageError(.NOT_IN_ROOM, "not in room '\(roomID)'")
        }
        return room
    }

    private func admitSignal(_ session: ClientSession) -> Bool {
        if session.collab.admitSignal(now: server.loop.now, perSecond: server.settings.cursorRate) { return true }
        server.stats.droppedSignals += 1
        return false
    }

    private func cursorMove(_ session: ClientSession, _ message: IncomingMessage) throws {
        guard admitSignal(session) else { return }
        let room = try joinedRoom(session, message)
        let x = try message.number("x")
        let y = try message.number("y")
        let cell = try message.string("cell", maxLength: 16)
        guard SheetCell(a1: cell) != nil else { throw MessageError.invalid("cell", "must be an A1 cell id") }
        let sheetID = try message.optionalString("sheet_id", maxLength: 128)
        var meta: JSONValue?
        if let object = try message.optionalObject("meta") {
            guard object.serialized().count <= Self.maxMetaBytes else {
                throw MessageError.invalid("meta", "must be at most \(Self.maxMetaBytes) bytes as JSON")
            }
            meta = .object(object)
        }
        let cursor = CursorPosition(x: x, y: y, cell: cell, sheetID: sheetID)
        let now = Timestamp.nowMilliseconds()
        room.updatePresence(of: session.user.id) {
            $0.cursor = cursor
            $0.lastSeen = now
        }
        var fields: [(String, JSONValue)] = [
            ("room", .string(room.id)), ("user_id", .string(session.user.id)),
            ("username", .string(session.user.username)), ("cursor", cursor.json),
        ]
        if let meta { fields.append(("meta", meta)) }
        broadcast(OutgoingMessage("cursor_moved", fields), in: room, except: session, droppable: true,
                  coalesce: "cursor\u{0}" + session.user.id)
    }

    private func typing(_ session: ClientSession, _ message: IncomingMessage, started: Bool) throws {
        guard admitSignal(session) else { return }
        let room = try joinedRoom(session, message)
        let cell = try message.string("cell_id", maxLength: 16)
        guard SheetCell(a1: cell) != nil else { throw MessageError.invalid("cell_id", "must be an A1 cell id") }
        let user = session.user
        if started {
            room.typing[user.id, default: []].insert(cell)
            cancelTypingTimer(room: room.id, user: user.id, cell: cell)
            let roomID = room.id
            let timeout = server.settings.typingTimeout
            typingTimers[typingKey(room.id, user.id, cell)] = server.loop.schedule(after: timeout) { [unowned self] in
                guard let room = self.live[roomID] else { return }
                self.typingTimers[self.typingKey(room.id, user.id, cell)] = nil
                guard room.typing[user.id]?.remove(cell) != nil else { return }
                self.broadcast(self.typingStopFrame(room: room.id, user: user, cell: cell), in: room, except: nil,
                               droppable: true)
            }
            broadcast(OutgoingMessage("user_typing_start", [
                ("room", .string(room.id)), ("user_id", .string(user.id)), ("username", .string(user.username)),
                ("cell_id", .string(cell)),
            ]), in: room, except: session, droppable: true)
        } else {
            cancelTypingTimer(room: room.id, user: user.id, cell: cell)
            guard room.typing[user.id]?.remove(cell) != nil else { return }
            broadcast(typingStopFrame(room: room.id, user: user, cell: cell), in: room, except: session, droppable: true)
        }
    }

    private func typingKey(_ room: String, _ user: String, _ cell: String) -> String { room + "\u{0}" + user + "\u{0}" + cell }

    private func cancelTypingTimer(room: String, user: String, cell: String) {
        typingTimers.removeValue(forKey: typingKey(room, user, cell))?.cancel()
    }

    private func typingStopFrame(room: String, user: User, cell: String) -> OutgoingMessage {
        OutgoingMessage("user_typing_stop", [
            ("room", .string(room)), ("user_id", .string(user.id)), ("username", .string(user.username)),
            ("cell_id", .string(cell)),
        ])
    }

    private func statusUpdate(_ session: ClientSession, _ message: IncomingMessage) throws {
        let status = try message.string("status", maxLength: 16)
        guard PresenceStatus.all.contains(status) else { throw MessageError.invalid("status", "must be online, away or busy") }
        let user = session.user
        let frame = OutgoingMessage("user_status_changed", [("user_id", .string(user.id)), ("status", .string(status))])
        // Every room any of the user's connections joined; a connection in two of them hears it once.
        var roomIDs = Set<String>()
        for session in server.sessions.sessions(of: user.id) { roomIDs.formUnion(session.collab.rooms) }
        var notified = Set<ObjectIdentifier>()
        for roomID in roomIDs.sorted() {
            guard let room = live[roomID] else { continue }
            room.updatePresence(of: user.id) { $0.status = status }
            room.messagesSent += 1
            for member in room.members where notified.insert(ObjectIdentifier(member)).inserted {
                member.send(frame)
            }
            if let cluster = server.cluster, let presence = room.presences[user.id] {
                cluster.bus.publish(frame, room: roomID, droppable: false)
                cluster.users.updated(room: roomID, user: user.id, presence: presence.json(formatTime: Timestamp.iso8601))
            }
        }
        if notified.isEmpty || !notified.contains(ObjectIdentifier(session)) {
            session.send(frame)  // the sender always hears that its status changed
        }
    }
}
