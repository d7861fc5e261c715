import GridlineCollab
import GridlineJSON
import GridlineLoop

/// Live signals (SPEC §4): cursors, typing indicators and status. Cursor and typing messages are
/// rate-limited per connection and dropped silently past the rate; their broadcasts are the
/// first thing a slow consumer loses.
extension Server {
    func registerSignalHandlers() {
        router.on("cursor_move") { [unowned self] session, message in try self.cursorMove(session, message) }
        router.on("typing_start") { [unowned self] session, message in try self.typing(session, message, started: true) }
        router.on("typing_stop") { [unowned self] session, message in try self.typing(session, message, started: false) }
        router.on("status_update") { [unowned self] session, message in try self.statusUpdate(session, message) }
    }

    static let maxMetaBytes = 256

    /// The room a signal names, which the connection must have joined.
    private func joinedRoom(_ session: ClientSession, _ message: IncomingMessage) throws -> LiveRoom<ClientSession> {
        let roomID = try message.string("room")
        guard session.collab.rooms.contains(roomID), let room = rooms[roomID] else {
            throw MessageError(.NOT_IN_ROOM, "not in room '\(roomID)'")
        }
        return room
    }

    private func admitSignal(_ session: ClientSession) -> Bool {
        if session.collab.admitSignal(now: loop.now, perSecond: settings.cursorRate) { return true }
        stats.droppedSignals += 1
        return false
    }

    private func cursorMove(_ session: ClientSession, _ message: IncomingMessage) throws {
        guard admitSignal(session) else { return }
        let room = try joinedRoom(session, message)
        let x = try message.number("x")
        let y = try message.number("y")
        let cell = try message.string("cell", maxLength: 16)
        guard CellAddress(cell) != nil else { throw MessageError.invalid("cell", "must be an A1 cell id") }
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
        broadcast(OutgoingMessage("cursor_moved", fields), in: room, except: session, droppable: true)
    }

    private func typing(_ session: ClientSession, _ message: IncomingMessage, started: Bool) throws {
        guard admitSignal(session) else { return }
        let room = try joinedRoom(session, message)
        let cell = try message.string("cell_id", maxLength: 16)
        guard CellAddress(cell) != nil else { throw MessageError.invalid("cell_id", "must be an A1 cell id") }
        let user = session.user
        if started {
            room.typing[user.id, default: []].insert(cell)
            cancelTypingTimer(room: room.id, user: user.id, cell: cell)
            let roomID = room.id
            typingTimers[typingKey(room.id, user.id, cell)] = loop.schedule(after: settings.typingTimeout) { [unowned self] in
                guard let room = self.rooms[roomID] else { return }
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

    func typingKey(_ room: String, _ user: String, _ cell: String) -> String { room + "\u{0}" + user + "\u{0}" + cell }

    func cancelTypingTimer(room: String, user: String, cell: String) {
        typingTimers.removeValue(forKey: typingKey(room, user, cell))?.cancel()
    }

    func typingStopFrame(room: String, user: User, cell: String) -> OutgoingMessage {
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
        for session in sessions.sessions(of: user.id) { roomIDs.formUnion(session.collab.rooms) }
        var notified = Set<ObjectIdentifier>()
        for roomID in roomIDs.sorted() {
            guard let room = rooms[roomID] else { continue }
            room.updatePresence(of: user.id) { $0.status = status }
            room.messagesSent += 1
            for member in room.members where notified.insert(ObjectIdentifier(member)).inserted {
                member.send(frame)
            }
        }
        if notified.isEmpty || !notified.contains(ObjectIdentifier(session)) {
            session.send(frame)  // the sender always hears that its status changed
        }
    }
}
