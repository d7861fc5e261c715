import GridlineCluster
import GridlineCollab
import GridlineJSON
import GridlineLoop
import GridlineStore

/// Cell writes in a cluster (SPEC §15). A write is applied here when this node owns the room's
/// shard, else sent to the owner's inbox with an idempotency key (node, incarnation, counter);
/// the owner applies it once per key, publishes the room's events and answers. A forward with
/// no answer within a second is sent again with the same key (to whoever owns the shard by
/// then); after `giveUpAfter` seconds the client gets a clear error instead of a hang.
/// Loop thread only.
final class WriteForwarding {
    unowned(unsafe) let cluster: ClusterService
    private var server: Server { cluster.server }

    private struct Pending {
        var request: CellWriteRequest
        let deadline: UInt64
        var attempts = 0
        /// Sent to some owner at least once: later sends may find it applied.
        var sent = false
        var node: String?
        var timer: TimerHandle?
    }

    /// Requests from this node's clients not yet answered, by key.
    private var pending: [String: Pending] = [:]
    private var nextKey: UInt64 = 0
    static let retryAfter = 1.0
    static let giveUpAfter = 10.0

    init(cluster: ClusterService) {
        self.cluster = cluster
    }

    // MARK: Origin side

    /// A write from a client here.
    func route(_ request: CellWriteRequest) {
        // The common case on an owner: no key, no table entry, no timer.
        let shard = ShardMap.shard(ofRoom: request.sheet.roomID)
        if let fence = cluster.ownership.owns(shard: shard) {
            return server.cells.apply(request, fence: WriteFence(shard: shard, fence: fence))
        }
        attempt(track(request))
    }

    /// Gives a write from a client here its idempotency key and its deadline.
    private func track(_ request: CellWriteRequest) -> String {
        nextKey += 1
        let key = "\(cluster.nodeID).\(cluster.incarnation).\(nextKey)"
        pending[key] = Pending(request: request, deadline: server.loop.now + UInt64(Self.giveUpAfter * 1e9))
        return key
    }

    private func attempt(_ key: String) {
        guard var entry = pending[key] else { return }
        entry.attempts += 1
        pending[key] = entry
        cluster.ownership.route(room: entry.request.sheet.roomID) { [unowned self] route in
            guard self.pending[key] != nil else { return }
            switch route {
            case .local(let shard, let fence):
                // Ours after all: the request leaves the forwarding table and runs as a local
                // write — under its key if an earlier owner may have committed it already.
                let entry = self.pending.removeValue(forKey: key)!
                var request = entry.request
                if entry.sent { request.resendKey = key }
                self.server.cells.apply(request, fence: WriteFence(shard: shard, fence: fence))
            case .remote(let node):
                self.send(key, to: node)
            case .unavailable(let reason):
                self.retryLater(key, reason: reason)
            }
        }
    }

    private func send(_ key: String, to node: String) {
        guard var entry = pending[key] else { return }
        let request = entry.request
        guard case .local(let connection) = request.origin else { return }
        entry.node = node
        entry.timer?.cancel()
        let retried = entry.sent
        entry.sent = true
        entry.timer = server.loop.schedule(after: Self.retryAfter) { [unowned self] in
            self.cluster.ownership.forget(shard: ShardMap.shard(ofRoom: request.sheet.roomID))
            self.retryLater(key, reason: "node \(node) did not answer")
        }
        pending[key] = entry
        server.stats.forwardsSent += 1
        var header = JSONObject([
            ("key", .string(key)), ("from", .string(cluster.nodeID)), ("conn", .string(String(connection))),
            ("room", .string(request.sheet.roomID)), ("sheet", .string(request.sheet.id)), ("now", JSONValue(request.now)),
            ("uid", .string(request.user.id)), ("uname", .string(request.user.username)), ("role", .string(request.user.role.rawValue)),
        ])
        if let requestID = request.requestID { header.members.append(("rid", .string(requestID))) }
        // A first attempt cannot have been applied yet: the owner looks the key up only for a retry.
        if retried { header.members.append(("retry", true)) }
        // We will hear the write's own event, which answers it: the owner need not also reply
        // "applied" (a lost event costs a resend after `retryAfter`, answered as a duplicate).
        if cluster.bus.isListening(to: request.sheet.roomID) { header.members.append(("hears", true)) }
        let writes: [CellWrite]
        switch request.writes {
        case .single(let write):
            writes = [write]
        case .batch(let list):
            writes = list
            header.members.append(("batch", true))
        }
        let body = JSONValue.array(writes.map { write in
            .array([.string(write.cellId), .string(write.valueJSON), JSONValue(write.formula),
                    write.expectedVersion.map { JSONValue($0) } ?? .null])
        }).serialized()
        enqueue(Outgoing(key: key, roomID: request.sheet.roomID, header: header, body: body), to: node)
    }

    // MARK: Batches

    /// A forward waiting for the end of the loop pass.
    private struct Outgoing {
        let key: String
        let roomID: String
        let header: JSONObject
        let body: [UInt8]
    }

    /// Forwards of this pass by owner node: sent together as one sealed message, in order.
    private var outbox: [String: [Outgoing]] = [:]
    private var outboxFlushScheduled = false
    static let maxBatchForwards = 256

    private func enqueue(_ forward: Outgoing, to node: String) {
        outbox[node, default: []].append(forward)
        if outbox[node]!.count >= Self.maxBatchForwards { return flush(node) }
        guard !outboxFlushScheduled else { return }
        outboxFlushScheduled = true
        server.loop.atEndOfPass { [unowned self] in
            self.outboxFlushScheduled = false
            for node in Array(self.outbox.keys) { self.flush(node) }
        }
    }

    /// Sends the node's waiting forwards as one batch (a lone forward is a batch of one).
    private func flush(_ node: String) {
        guard let forwards = outbox.removeValue(forKey: node), !forwards.isEmpty else { return }
        var body: [UInt8] = []
        for forward in forwards { body += forward.body }
        let envelope = ClusterEnvelope(header: JSONObject([
            ("k", "fwdb"), ("from", .string(cluster.nodeID)),
            ("items", .array(forwards.map { .object($0.header) })),
            ("l", .array(forwards.map { JSONValue($0.body.count) })),
        ]), body: body)
        cluster.send(envelope, toNode: node) { [unowned self] result in
            // Nobody listens on that inbox: the owner is gone (or cut off); don't wait the full second.
            guard case .success(0) = result else { return }
            for forward in forwards {
                self.cluster.ownership.forget(shard: ShardMap.shard(ofRoom: forward.roomID))
                self.retryLater(forward.key, reason: "node \(node) is not listening")
            }
        }
    }

    /// Forwards sent together: each applied in turn, as if it had come alone.
    private func receiveBatch(_ envelope: ClusterEnvelope) {
        guard let items = envelope["items"]?.arrayValue, let lengths = envelope["l"]?.arrayValue,
              items.count == lengths.count else { return }
        var start = 0
        var forwards: [ClusterEnvelope] = []
        for (item, length) in zip(items, lengths) {
            guard let header = item.objectValue, let count = length.int64Value, count >= 0,
                  start + Int(count) <= envelope.body.count else { return }
            forwards.append(ClusterEnvelope(header: header, body: Array(envelope.body[start..<(start + Int(count))])))
            start += Int(count)
        }
        guard start == envelope.body.count else { return }
        for forward in forwards { receiveForward(forward) }
    }

    /// Tries again shortly (the same key, so it is applied once), or gives up at the deadline.
    private func retryLater(_ key: String, reason: String) {
        guard var entry = pending[key] else { return }
        entry.timer?.cancel()
        if server.loop.now >= entry.deadline {
            pending[key] = nil
            server.log(.warn, "forward_failed", room: entry.request.sheet.roomID, [("reason", .string(reason)),
                                                                                  ("attempts", JSONValue(entry.attempts))])
            if case .local(let sessionID) = entry.request.origin {
                server.sessions[sessionID]?.send(
                    error: MessageError(.INTERNAL_ERROR, "the node that owns this room could not be reached (\(reason)); the edit was not confirmed",
                                        recoverable: true),
                    requestID: entry.request.requestID)
            }
            return
        }
        entry.timer = server.loop.schedule(after: 0.25) { [unowned self] in self.attempt(key) }
        pending[key] = entry
    }

    /// A local write whose transaction found another owner's fence, or a forward the owner
    /// refused as not its own: route it again.
    func refused(_ request: CellWriteRequest, reason: String) {
        switch request.origin {
        case .local:
            retryLater(track(request), reason: reason)
        case .forwarded(let node, _, let key, _, _):
            reply(to: node, key: key, status: "nack")
        }
    }

    /// The room event answering our forward reached this node (its writer got it with its
    /// `request_id`): nothing is left to wait for.
    func eventDelivered(key: String) {
        pending.removeValue(forKey: key)?.timer?.cancel()
    }

    private func receiveReply(_ envelope: ClusterEnvelope) {
        guard let key = envelope.string("key"), let entry = pending[key] else { return }
        switch envelope.string("st") {
        case "nack":
            cluster.ownership.forget(shard: ShardMap.shard(ofRoom: entry.request.sheet.roomID))
            entry.timer?.cancel()
            attempt(key)
        case "err":
            pending[key] = nil
            entry.timer?.cancel()
            if case .local(let sessionID) = entry.request.origin, let session = server.sessions[sessionID] {
                session.send(OutgoingMessage(type: "error", json: envelope.body, requestID: entry.request.requestID), as: .reply)
            }
        case "ok":
            // Applied; its event did not come first (lost with a cut subscriber, or this is a
            // retry's answer): the writer's answer is read back from the history.
            pending[key] = nil
            entry.timer?.cancel()
            guard let first = envelope.int64("a"), let last = envelope.int64("b"),
                  case .local(let sessionID) = entry.request.origin else { return }
            answerFromHistory(entry.request, sessionID: sessionID, first: first, last: last)
        default:
            break
        }
    }

    /// Sends the writer its edit's `cell_updated` (or `cells_updated`) rebuilt from the rows
    /// the owner committed.
    private func answerFromHistory(_ request: CellWriteRequest, sessionID: UInt64, first: Int64, last: Int64) {
        let sheetID = request.sheet.id
        let count: Int
        switch request.writes {
        case .single: count = 1
        case .batch(let writes): count = writes.count
        }
        server.store.reader.submit({ db in
            try CellStore.history(db, sheetId: sheetID, sinceSeq: first - 1, limit: count)
        }, completion: server.onLoop { [unowned self] (result: Result<HistoryResult, Error>) in
            guard let session = self.server.sessions[sessionID], case .success(.entries(let entries)) = result,
                  !entries.isEmpty else { return }
            let frame: OutgoingMessage
            if count == 1, let entry = entries.first {
                frame = CellService.historyFrame(entry, sheetID: sheetID, requestID: request.requestID)
            } else {
                frame = OutgoingMessage("cells_updated", [
                    ("sheet_id", .string(sheetID)), ("user_id", .string(request.user.id)),
                    ("username", .string(request.user.username)),
                    ("cells", .array(entries.map { entry in
                        ["cell_id": .string(entry.cellId), "value": CellService.jsonValue(entry.valueJSON),
                         "formula": JSONValue(entry.formula), "error": JSONValue(entry.error),
                         "version": JSONValue(entry.version), "seq": JSONValue(entry.seq)]
                    })),
                ], requestID: request.requestID)
            }
            frame.requester = sessionID
            session.send(frame, as: .reply)
        })
        _ = last
    }

    // MARK: Owner side

    func receive(_ envelope: ClusterEnvelope) {
        switch envelope.string("k") {
        case "fwdb": receiveBatch(envelope)
        case "re": receiveReply(envelope)
        default: break
        }
    }

    private func receiveForward(_ envelope: ClusterEnvelope) {
        guard let key = envelope.string("key"), let from = envelope.string("from"),
              let connection = envelope.string("conn").flatMap(UInt64.init), let roomID = envelope.string("room"),
              let sheetID = envelope.string("sheet"), let now = envelope.int64("now"), let userID = envelope.string("uid"),
              let username = envelope.string("uname"), let role = envelope.string("role").flatMap(Role.init(rawValue:)),
              let list = try? JSONParser.parse(envelope.body).arrayValue else {
            server.log(.warn, "forward_malformed", [("header", .string(JSONValue.object(envelope.header).serializedString))])
            return
        }
        var writes: [CellWrite] = []
        for item in list {
            guard let parts = item.arrayValue, parts.count == 4, let cell = parts[0].stringValue,
                  let value = parts[1].stringValue else { return }
            writes.append(CellWrite(cellId: cell, valueJSON: value, formula: parts[2].stringValue,
                                    expectedVersion: parts[3].int64Value))
        }
        guard !writes.isEmpty else { return }
        let sheet = server.directory.sheets[sheetID] ?? SheetInfo(id: sheetID, roomID: roomID, name: "")
        let user = User(id: userID, username: username, email: nil, role: role, rooms: nil)
        let isBatch = envelope["batch"]?.boolValue ?? false
        let request = CellWriteRequest(sheet: sheet, user: user, writes: isBatch ? .batch(writes) : .single(writes[0]),
                                       now: now, requestID: envelope.string("rid"),
                                       origin: .forwarded(node: from, connection: connection, key: key,
                                                          mayBeApplied: envelope["retry"]?.boolValue ?? false,
                                                          hearsEvents: envelope["hears"]?.boolValue ?? false),
                                       receivedAt: server.loop.now)
        // Through `route`, not a plain ownership check: a forward that arrives while this node is
        // still claiming the shard waits for the claim in line with the ones after it, so one
        // client's writes are applied in the order it sent them.
        cluster.ownership.route(room: roomID) { [unowned self] route in
            guard case .local(let shard, let fence) = route else { return self.reply(to: from, key: key, status: "nack") }
            self.server.cells.apply(request, fence: WriteFence(shard: shard, fence: fence))
        }
    }

    /// The owner's answers, after the commit (and after the events went out, so the forwarding
    /// node normally hears the event first).
    func answer(_ request: CellWriteRequest, applied seqs: (first: Int64, last: Int64)) {
        guard case .forwarded(let node, _, let key, _, let hearsEvents) = request.origin, !hearsEvents else { return }
        reply(to: node, key: key, status: "ok", extra: [("a", JSONValue(seqs.first)), ("b", JSONValue(seqs.last))])
    }

    func answer(_ request: CellWriteRequest, error: MessageError) {
        guard case .forwarded(let node, _, let key, _, _) = request.origin else { return }
        reply(to: node, key: key, status: "err", body: OutgoingMessage.error(error, requestID: request.requestID).json)
    }

    /// A write already applied under its key: the node that sent it gets "applied" with the
    /// seqs it took then; a client of this node gets its answer read back from the history.
    func answerDuplicate(_ request: CellWriteRequest, outcome: String) {
        let parts = outcome.split(separator: " ").compactMap { Int64($0) }
        guard parts.count == 2 else { return }
        switch request.origin {
        case .forwarded(let node, _, let key, _, _):
            reply(to: node, key: key, status: "ok", extra: [("a", JSONValue(parts[0])), ("b", JSONValue(parts[1])), ("dup", true)])
        case .local(let sessionID):
            answerFromHistory(request, sessionID: sessionID, first: parts[0], last: parts[1])
        }
    }

    private func reply(to node: String, key: String, status: String, extra: [(String, JSONValue)] = [], body: [UInt8] = []) {
        var header = JSONObject([("k", "re"), ("key", .string(key)), ("st", .string(status)), ("from", .string(cluster.nodeID))])
        header.members += extra
        // After the pass's room events, so the write's own event reaches its node first.
        cluster.bus.afterEvents { [unowned self] in
            self.cluster.send(ClusterEnvelope(header: header, body: body), toNode: node)
        }
    }
}
