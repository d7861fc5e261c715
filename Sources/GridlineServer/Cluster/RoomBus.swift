import GridlineCluster
import GridlineCollab
import GridlineJSON
import GridlineLoop
import GridlineRedis
import GridlineStore

/// Room events between nodes (SPEC §15). A node subscribes to a room's sharded channel while
/// it has members there; every room event is published once, as the JSON frame clients get.
/// Cell events carry their sheet's seqs: each node delivers a sheet's events in seq order,
/// each once, and when one is missing (a subscriber cut off, Redis restarted, an owner that
/// died between its commit and its publish) it buffers what follows and reads the missing
/// range from the shared database, as the owner committed it. A poll of the sheets' seqs every
/// second finds a gap nothing arrived after. Loop thread only.
final class RoomBus {
    unowned(unsafe) let cluster: ClusterService
    private var server: Server { cluster.server }

    /// A sheet's stream at this node: the last seq delivered, events waiting behind a gap.
    private struct SheetStream {
        var delivered: Int64
        var waiting: [(first: Int64, last: Int64, deliver: () -> Void)] = []
        var repairing = false
        /// A seq the database had and this node had not delivered at the last poll.
        var suspect: Int64?
    }

    private final class TrackedRoom {
        let id: String
        var ready = false
        /// Redis confirmed the subscription: events published from now on reach this node.
        var listening = false
        var sheets: [String: SheetStream] = [:]
        /// Cell events that arrived before the sheets' seqs were read.
        var early: [(sheetID: String, first: Int64, last: Int64, deliver: () -> Void)] = []

        init(id: String) {
            self.id = id
        }
    }

    /// A sheet's seq as the database has it.
    struct SheetSeq: Sendable {
        let roomID: String
        let sheetID: String
        let seq: Int64
    }

    private var rooms: [String: TrackedRoom] = [:]
    static let pollInterval = 1.0

    init(cluster: ClusterService) {
        self.cluster = cluster
    }

    static func channel(room: String) -> RedisChannel { .sharded(ClusterKeys.roomChannel(room)) }

    func start() {
        schedulePoll()
    }

    // MARK: Membership

    /// The first member here joined `roomID`: listen to it.
    func track(_ roomID: String) {
        guard rooms[roomID] == nil else { return }
        rooms[roomID] = TrackedRoom(id: roomID)
        cluster.subscriber.subscribe(Self.channel(room: roomID))
        readSeqs([roomID]) { [unowned self] seqs in
            guard let room = self.rooms[roomID], !room.ready else { return }
            for sheet in seqs where room.sheets[sheet.sheetID] == nil {
                room.sheets[sheet.sheetID] = SheetStream(delivered: sheet.seq)
            }
            room.ready = true
            let early = room.early
            room.early = []
            for event in early { self.sequence(roomID, event.sheetID, event.first, event.last, event.deliver) }
        }
    }

    /// The last member here left.
    func untrack(_ roomID: String) {
        guard rooms.removeValue(forKey: roomID) != nil else { return }
        cluster.subscriber.unsubscribe(Self.channel(room: roomID))
    }

    /// A (re)subscription was confirmed: whatever was published meanwhile is found by the poll.
    func subscribed(_ channel: RedisChannel) {
        guard let roomID = ClusterKeys.room(ofChannel: channel.name) else { return }
        rooms[roomID]?.listening = true
    }

    /// The subscriber connection broke: nothing is heard until each room's subscription is
    /// confirmed again.
    func subscriberDown() {
        for room in rooms.values { room.listening = false }
    }

    /// Whether this node hears the room's events now (so a forward's own event will answer it).
    func isListening(to roomID: String) -> Bool {
        guard let room = rooms[roomID] else { return false }
        return room.listening && room.ready && cluster.subscriber.isConnected
    }

    // MARK: Publishing

    /// A room's events of this loop pass, not yet published: they go out together, as one
    /// sealed message, when the pass ends (or sooner, when many wait).
    private final class PendingEvents {
        /// `cell`: a cell event's own header (sheet, seqs, who asked), nil for other events.
        var frames: [(frame: OutgoingMessage, droppable: Bool, cell: JSONObject?)] = []
        var bytes = 0
        /// Where each coalescible event (a user's cursor) sits in `frames`.
        var coalesced: [String: Int] = [:]
    }

    private var outgoing: [String: PendingEvents] = [:]
    private var flushScheduled = false
    /// Sends that must follow this pass's events (a forward's answer after its event).
    private var afterFlush: [() -> Void] = []
    /// Commands waiting for Redis past which coalescible events are coalesced.
    static let coalesceBacklog = 256
    /// A batch is published early past this many events or bytes.
    static let maxBatchEvents = 256
    static let maxBatchBytes = 64 * 1024

    /// A room event other than a cell update (presence, cursor, typing, broadcast). Events of
    /// one loop pass are published per room as one message: one MAC, one `SPUBLISH` and one
    /// delivery per node for all of them. With `coalesce`, and Redis falling behind, a later
    /// event under the same key in the same pass replaces the earlier one.
    func publish(_ frame: OutgoingMessage, room roomID: String, droppable: Bool, coalesce: String? = nil) {
        enqueue(frame, room: roomID, droppable: droppable, coalesce: coalesce, cell: nil)
    }

    private func enqueue(_ frame: OutgoingMessage, room roomID: String, droppable: Bool, coalesce: String?, cell: JSONObject?) {
        let batch: PendingEvents
        if let existing = outgoing[roomID] {
            batch = existing
        } else {
            batch = PendingEvents()
            outgoing[roomID] = batch
        }
        if let coalesce, cluster.client.inFlightCount > Self.coalesceBacklog, let index = batch.coalesced[coalesce] {
            batch.bytes += frame.json.count - batch.frames[index].frame.json.count
            batch.frames[index] = (frame, droppable, nil)
        } else {
            if let coalesce { batch.coalesced[coalesce] = batch.frames.count }
            batch.frames.append((frame, droppable, cell))
            batch.bytes += frame.json.count
        }
        if batch.frames.count >= Self.maxBatchEvents || batch.bytes >= Self.maxBatchBytes { return flush(roomID) }
        scheduleFlush()
    }

    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        server.loop.atEndOfPass { [unowned self] in
            self.flushScheduled = false
            for roomID in Array(self.outgoing.keys) { self.flush(roomID) }
            let then = self.afterFlush
            self.afterFlush = []
            for send in then { send() }
        }
    }

    /// Runs `send` once this pass's room events are published (the order Redis keeps between
    /// one connection's commands then holds at every subscriber).
    func afterEvents(_ send: @escaping () -> Void) {
        guard flushScheduled else { return send() }
        afterFlush.append(send)
    }

    /// Publishes the room's waiting events as one batch (a lone event is a batch of one: one
    /// format to write and to read).
    private func flush(_ roomID: String) {
        guard let batch = outgoing.removeValue(forKey: roomID), !batch.frames.isEmpty else { return }
        let header = JSONObject([
            ("n", .string(cluster.nodeID)), ("r", .string(roomID)), ("k", "eb"),
            ("y", .array(batch.frames.map { .string($0.frame.type) })),
            ("l", .array(batch.frames.map { JSONValue($0.frame.json.count) })),
            ("d", .array(batch.frames.map { .bool($0.droppable) })),
            ("c", .array(batch.frames.map { $0.cell.map(JSONValue.object) ?? .null })),
        ])
        var body: [UInt8] = []
        body.reserveCapacity(batch.bytes)
        for item in batch.frames { body += item.frame.json }
        cluster.client.publishSharded(cluster.signer.seal(ClusterEnvelope(header: header, body: body)),
                                      to: Self.channel(room: roomID).name)
    }

    /// A committed cell event, with the seqs it covers and, for a forwarded write, who asked.
    func publishCell(_ frame: OutgoingMessage, sheet: SheetInfo, seqs: (first: Int64, last: Int64),
                     origin: CellWriteRequest.Origin) {
        var cell = JSONObject([("s", .string(sheet.id)), ("a", JSONValue(seqs.first)), ("b", JSONValue(seqs.last))])
        if let requestID = frame.requestID { cell.members.append(("q", .string(requestID))) }
        if case .forwarded(let node, let connection, let key, _, _) = origin {
            cell.members += [("rn", .string(node)), ("rc", .string(String(connection))), ("key", .string(key))]
        }
        // In line with the room's other events of this pass, so their order holds everywhere.
        enqueue(frame, room: sheet.roomID, droppable: false, coalesce: nil, cell: cell)
    }

    // MARK: Delivery

    /// A cell event this node committed: to its members here, in the sheet's order.
    func deliverCell(_ frame: OutgoingMessage, sheet: SheetInfo, seqs: (first: Int64, last: Int64), alsoTo writer: ClientSession?) {
        let deliver = { [unowned self] in self.server.cells.deliverCellEvent(frame, sheet: sheet, alsoTo: writer) }
        guard rooms[sheet.roomID] != nil else { return deliver() }
        sequence(sheet.roomID, sheet.id, seqs.first, seqs.last, deliver)
    }

    func receive(_ envelope: ClusterEnvelope, channel: RedisChannel) {
        guard let node = envelope.string("n"), node != cluster.nodeID, let roomID = envelope.string("r") else { return }
        guard envelope.string("k") == "eb", rooms[roomID] != nil else { return }
        receiveBatch(envelope, roomID: roomID)
    }

    /// A committed cell event from the room's owner (`cell`: its header, `body`: its frame):
    /// delivered in its sheet's seq order.
    private func receiveCell(_ cell: ClusterEnvelope, type: String, roomID: String) {
        guard let sheetID = cell.string("s"), let first = cell.int64("a"),
              let last = cell.int64("b"), first >= 1, last >= first, let room = rooms[roomID] else { return }
        let deliver = { [unowned self] in self.deliverRemoteCell(cell, type: type, roomID: roomID, sheetID: sheetID) }
        if room.ready {
            sequence(roomID, sheetID, first, last, deliver)
        } else {
            room.early.append((sheetID, first, last, deliver))
        }
    }

    /// A batch of room events: `y`, `l`, `d` and `c` list each event's type, length,
    /// droppability and (for a cell event) its own header; the body is their frames back to
    /// back. A batch that does not add up is dropped whole.
    private func receiveBatch(_ envelope: ClusterEnvelope, roomID: String) {
        guard let types = envelope["y"]?.arrayValue, let lengths = envelope["l"]?.arrayValue,
              let droppable = envelope["d"]?.arrayValue, let cells = envelope["c"]?.arrayValue,
              types.count == lengths.count, types.count == droppable.count, types.count == cells.count else { return }
        var items: [(type: String, range: Range<Int>, droppable: Bool, cell: JSONObject?)] = []
        var start = 0
        for index in types.indices {
            guard let type = types[index].stringValue, let length = lengths[index].int64Value, length >= 0,
                  start + Int(length) <= envelope.body.count else { return }
            items.append((type, start..<(start + Int(length)), droppable[index].boolValue ?? false, cells[index].objectValue))
            start += Int(length)
        }
        guard start == envelope.body.count else { return }
        for item in items {
            let body = Array(envelope.body[item.range])
            if let cell = item.cell {
                receiveCell(ClusterEnvelope(header: cell, body: body), type: item.type, roomID: roomID)
            } else {
                server.rooms.deliverRemote(OutgoingMessage(type: item.type, json: body), roomID: roomID, droppable: item.droppable)
            }
        }
    }

    private func deliverRemoteCell(_ envelope: ClusterEnvelope, type: String, roomID: String, sheetID: String) {
        let frame = OutgoingMessage(type: type, json: envelope.body, requestID: envelope.string("q"))
        var writer: ClientSession?
        if envelope.string("rn") == cluster.nodeID, let connection = envelope.string("rc").flatMap(UInt64.init) {
            writer = server.sessions[connection]
            if frame.requestID != nil { frame.requester = connection }
            if let key = envelope.string("key") { cluster.forwarding.eventDelivered(key: key) }
        } else if frame.requestID != nil {
            frame.requester = 0  // somebody else's answer: no Socket.IO ack here
        }
        let sheet = server.directory.sheets[sheetID] ?? SheetInfo(id: sheetID, roomID: roomID, name: "")
        server.cells.deliverCellEvent(frame, sheet: sheet, alsoTo: writer)
    }

    /// Delivers [first, last] now if it is next, later if a gap is before it, never twice.
    private func sequence(_ roomID: String, _ sheetID: String, _ first: Int64, _ last: Int64, _ deliver: @escaping () -> Void) {
        guard let room = rooms[roomID] else { return deliver() }
        var stream = room.sheets[sheetID] ?? SheetStream(delivered: first - 1)  // a sheet created since we looked
        defer { room.sheets[sheetID] = stream }
        if last <= stream.delivered { return }
        if first <= stream.delivered + 1 && stream.waiting.isEmpty {
            deliver()
            stream.delivered = last
            return
        }
        stream.waiting.append((first, last, deliver))
        stream.waiting.sort { $0.first < $1.first }
        drain(room, sheetID, &stream)
    }

    /// Delivers waiting events that are now next; asks for a repair when a gap remains.
    private func drain(_ room: TrackedRoom, _ sheetID: String, _ stream: inout SheetStream) {
        while let next = stream.waiting.first, next.first <= stream.delivered + 1 {
            stream.waiting.removeFirst()
            if next.last > stream.delivered {
                next.deliver()
                stream.delivered = next.last
            }
        }
        if let next = stream.waiting.first, !stream.repairing {
            repair(room, sheetID, after: stream.delivered, through: next.first - 1, stream: &stream)
        }
    }

    /// Reads (after, through] from the database and delivers it as `cell_updated`s, then what
    /// waited behind it. Trimmed history: the sheet's state instead.
    private func repair(_ room: TrackedRoom, _ sheetID: String, after: Int64, through: Int64, stream: inout SheetStream) {
        guard through > after else { return }
        let roomID = room.id
        stream.repairing = true
        server.stats.gapRepairs += 1
        server.log(.info, "gap_repair", room: roomID, [("sheet_id", .string(sheetID)), ("after", JSONValue(after)),
                                                       ("through", JSONValue(through))])
        let limit = Int(min(through - after, 100_000))
        server.store.reader.submit({ db in try CellService.page(db, sheetID: sheetID, after: after, limit: limit) }, completion: server.onLoop { [unowned self] (result: Result<CellService.SyncPage, Error>) in
            guard let room = self.rooms[roomID], var stream = room.sheets[sheetID] else { return }
            defer { room.sheets[sheetID] = stream }
            stream.repairing = false
            let sheet = self.server.directory.sheets[sheetID] ?? SheetInfo(id: sheetID, roomID: roomID, name: "")
            switch result {
            case .success(.entries(let entries)):
                for entry in entries where entry.seq > stream.delivered {
                    self.server.cells.deliverCellEvent(CellService.historyFrame(entry, sheetID: sheetID), sheet: sheet, alsoTo: nil)
                    stream.delivered = entry.seq
                }
            case .success(.snapshot(let snapshot)):
                if snapshot.seq > stream.delivered {
                    self.server.rooms.deliverRemote(self.server.cells.sheetStateFrame(snapshot, requestID: nil), roomID: roomID,
                                                    droppable: false)
                    stream.delivered = snapshot.seq
                }
            case .failure(let error):
                self.server.log(.error, "gap_repair_failed", room: roomID, [("error", .string("\(error)"))])
                return  // the next poll tries again
            }
            self.drain(room, sheetID, &stream)
        })
    }

    // MARK: Poll

    /// This node took a shard over: what its last owner committed and never published is
    /// repaired now rather than at the next poll.
    func ownerChanged(shard: Int) {
        poll(immediate: true)
    }

    private func schedulePoll() {
        server.loop.schedule(after: Self.pollInterval) { [weak self] in
            guard let self else { return }
            self.poll(immediate: false)
            self.schedulePoll()
        }
    }

    /// Compares every tracked sheet with the database; a seq it has that is still missing
    /// here a poll later (so not just in flight) is repaired.
    private func poll(immediate: Bool) {
        let roomIDs = rooms.keys.filter { rooms[$0]?.ready == true }
        guard !roomIDs.isEmpty else { return }
        readSeqs(Array(roomIDs)) { [unowned self] seqs in
            for sheet in seqs {
                guard let room = self.rooms[sheet.roomID] else { continue }
                let sheetID = sheet.sheetID
                let seq = sheet.seq
                var stream = room.sheets[sheetID] ?? SheetStream(delivered: seq)
                if seq > stream.delivered {
                    if immediate || (stream.suspect.map { $0 > stream.delivered } ?? false) {
                        if !stream.repairing { self.repair(room, sheetID, after: stream.delivered, through: seq, stream: &stream) }
                        stream.suspect = nil
                    } else {
                        stream.suspect = seq
                    }
                } else {
                    stream.suspect = nil
                }
                room.sheets[sheetID] = stream
            }
        }
    }

    /// The current seq of every sheet in `roomIDs`, read from the shared database.
    private func readSeqs(_ roomIDs: [String], completion: @escaping ([SheetSeq]) -> Void) {
        let list = JSONValue.array(roomIDs.map { .string($0) }).serializedString
        server.store.reader.submit({ db in
            try db.query("SELECT room_id, id, seq FROM sheets WHERE room_id IN (SELECT value FROM json_each(?))",
                         [.text(list)]) { row in
                SheetSeq(roomID: row.string(0), sheetID: row.string(1), seq: row.int64(2))
            }
        }, completion: server.onLoop { (result: Result<[SheetSeq], Error>) in
            if case .success(let seqs) = result { completion(seqs) }
        })
    }
}
