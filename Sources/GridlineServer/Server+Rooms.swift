import GridlineCollab
import GridlineJSON
import GridlineLoop

/// Rooms and presence (SPEC §4): join/leave, room_state, user_joined/user_left, and cleanup
/// when a connection goes away so no presence, cursor or typing indicator outlives it.
extension Server {
    func registerRoomHandlers() {
        router.on("join_room") { [unowned self] session, message in try self.joinRoom(session, message) }
        router.on("leave_room") { [unowned self] session, message in
            let roomID = try message.string("room_id")
            guard session.collab.rooms.contains(roomID), let room = self.rooms[roomID] else {
                throw MessageError(.NOT_IN_ROOM, "not in room '\(roomID)'")
            }
            self.leave(room, session)
            session.send(OutgoingMessage("room_left", [("room_id", .string(roomID))], requestID: message.requestID))
        }
    }

    private func joinRoom(_ session: ClientSession, _ message: IncomingMessage) throws {
        let roomID = try message.string("room_id")
        guard let info = directory.rooms[roomID] else { throw MessageError(.ROOM_NOT_FOUND, "room '\(roomID)' does not exist") }
        guard session.user.mayJoin(room: roomID) else {
            throw MessageError(.PERMISSION_DENIED, "your token does not allow room '\(roomID)'")
        }
        let room = enter(roomID, session)
        session.send(OutgoingMessage("room_state", [
            ("room_id", .string(roomID)),
            ("users", .array(room.orderedPresences.map { $0.json(formatTime: Timestamp.iso8601) })),
            ("active_sheets", .array(info.sheetIDs.map { .string($0) })),
            ("total_users", JSONValue(room.userCount)),
        ], requestID: message.requestID))
    }

    /// Puts a connection in a room; `user_joined` goes to the others when it is the user's first
    /// connection there.
    @discardableResult
    func enter(_ roomID: String, _ session: ClientSession) -> LiveRoom<ClientSession> {
        let now = Timestamp.nowMilliseconds()
        let room = rooms.roomForJoin(roomID, now: now)
        guard !room.contains(session) else { return room }
        session.collab.rooms.insert(roomID)
        if room.add(session, user: session.user, now: now), let presence = room.presences[session.user.id] {
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
        for roomID in recovered.rooms where directory.rooms[roomID] != nil && session.user.mayJoin(room: roomID) {
            enter(roomID, session)
        }
        session.collab.notificationFilter = recovered.notificationFilter
        log(.info, "recovered", connection: session.id, user: session.user.id,
            [("rooms", JSONValue(recovered.rooms.count)), ("missed", JSONValue(recovered.missed.count))])
        for message in recovered.missed { session.send(message, as: .reply) }
    }

    /// Takes a connection out of a room: typing indicators end, and `user_left` goes out when it
    /// was the user's last connection there.
    func leave(_ room: LiveRoom<ClientSession>, _ session: ClientSession) {
        let userID = session.user.id
        session.collab.rooms.remove(room.id)
        let typingCells = room.typing[userID] ?? []
        guard room.remove(session, userID: userID) else { return }
        for cell in typingCells.sorted() {
            cancelTypingTimer(room: room.id, user: userID, cell: cell)
            broadcast(typingStopFrame(room: room.id, user: session.user, cell: cell), in: room, except: nil)
        }
        broadcast(OutgoingMessage("user_left", [
            ("room_id", .string(room.id)), ("user_id", .string(userID)), ("total_users", JSONValue(room.userCount)),
        ]), in: room, except: nil)
        rooms.dropIfEmpty(room.id)
    }

    /// A closed connection leaves every room it was in.
    func leaveAllRooms(_ session: ClientSession) {
        for roomID in session.collab.rooms.sorted() {
            if let room = rooms[roomID] { leave(room, session) }
        }
    }

    /// Queues one encoded frame to every member but `except`. Droppable frames (cursor, typing)
    /// are skipped for members whose send buffer is backing up.
    func broadcast(_ chunk: OutgoingMessage, in room: LiveRoom<ClientSession>, except: ClientSession?,
                   droppable: Bool = false) {
        room.messagesSent += 1
        for member in room.members where member !== except {
            member.send(chunk, droppable: droppable)
        }
        if !droppable, !engineIO.recovery.isEmpty { engineIO.recovery.record(chunk, room: room.id) }
    }
}
