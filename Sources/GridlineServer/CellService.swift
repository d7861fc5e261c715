import GridlineCollab
import GridlineFormula
import GridlineJSON
import GridlineLoop
import GridlineStore

/// Versioned cells, snapshots and sync (SPEC §6), and the recalculated dependents of each
/// write (SPEC §14). Every applied update is committed by the store's writer before anyone
/// hears of it; the writer hands results back in commit order, so each room hears a sheet's
/// updates in seq order. Owns no maps: the cells live in the store, a sync in progress on its
/// session.
final class CellService: @unchecked Sendable {  // loop thread only; store callbacks hop back with `loop.execute`
    /// The server outlives its services; unowned(unsafe) keeps refcounting off the broadcast path.
    unowned(unsafe) let server: Server

    init(server: Server) {
        self.server = server
    }

    func registerHandlers(on router: MessageRouter) {
        router.on("cell_update") { [unowned self] session, message in try self.cellUpdate(session, message) }
        router.on("cells_update") { [unowned self] session, message in try self.cellsUpdate(session, message) }
        router.on("sheet_snapshot") { [unowned self] session, message in try self.sheetSnapshot(session, message) }
        router.on("sync") { [unowned self] session, message in try self.sync(session, message) }
    }

    /// The sheet a message names, which the connection must have joined the room of.
    func joinedSheet(_ session: ClientSession, _ message: IncomingMessage) throws -> SheetInfo {
        let sheetID = try message.string("sheet_id", maxLength: 128)
        guard let sheet = server.directory.sheets[sheetID] else {
            throw MessageError(.SHEET_NOT_FOUND, "sheet '\(sheetID)' does not exist")
        }
        guard session.collab.rooms.contains(sheet.roomID) else {
            throw MessageError(.NOT_IN_ROOM, "join room '\(sheet.roomID)' before using sheet '\(sheetID)'")
        }
        return sheet
    }

    private func requireWriter(_ session: ClientSession) throws {
        guard session.user.role.canWrite else { throw MessageError(.PERMISSION_DENIED, "viewers cannot edit cells") }
    }

    private func cellEdit(_ object: JSONObject, path: String = "") throws -> CellEdit {
        let edit: CellEdit
        do {
            edit = try CellRules.edit(from: object, path: path)
        } catch {
            throw MessageError.invalid(error.field, error.expectation)
        }
        // A formula that does not parse is refused before anything is written (SPEC §14).
        if let formula = edit.formula, let cell = SheetCell(a1: edit.cellID) {
            do {
                _ = try FormulaParser.parse(formula, at: cell)
            } catch {
                throw MessageError.invalid(path + "formula", "does not parse: \(error.description)")
            }
        }
        return edit
    }

    // MARK: cell_update

    private func cellUpdate(_ session: ClientSession, _ message: IncomingMessage) throws {
        let sheet = try joinedSheet(session, message)
        try requireWriter(session)
        let edit = try cellEdit(message.body)
        submit(CellWriteRequest(sheet: sheet, user: session.user, writes: .single(edit.storeWrite),
                                now: Timestamp.nowMilliseconds(), requestID: message.requestID,
                                origin: .local(sessionID: session.id), receivedAt: server.loop.now))
    }

    /// Applies here, or on the room's owner node in a cluster (SPEC §15).
    func submit(_ request: CellWriteRequest) {
        if let cluster = server.cluster {
            cluster.forwarding.route(request)
        } else {
            apply(request, fence: nil)
        }
    }

    /// Runs the write in the writer's transaction — behind the shard's fence, and exactly once
    /// per idempotency key for a forwarded one — then broadcasts what was committed.
    func apply(_ request: CellWriteRequest, fence: WriteFence?) {
        let formulas = server.store.formulas
        let loop = server.loop
        let prepared = RecalculatedCellsJSON()
        server.store.writer.submit({ db -> CellWriteResult in
            if let fence { try ShardFences.check(db, shard: fence.shard, fence: fence.fence) }
            let idempotency = request.idempotency
            if let idempotency, idempotency.mayBeApplied, let outcome = try ForwardLog.outcome(db, key: idempotency.key, madeAt: request.now) {
                return .duplicate(outcome)
            }
            let result: CellWriteResult
            switch request.writes {
            case .single(let write):
                result = .single(try CellStore.applyCellUpdate(
                    db, sheetId: request.sheet.id, write: write, userId: request.user.id, username: request.user.username,
                    now: request.now, formulas: formulas))
            case .batch(let writes):
                result = .batch(try CellStore.applyCellBatch(
                    db, sheetId: request.sheet.id, writes: writes, userId: request.user.id, username: request.user.username,
                    now: request.now, formulas: formulas))
            }
            if let idempotency, let seqs = result.appliedSeqs {
                try ForwardLog.record(db, key: idempotency.key, outcome: "\(seqs.first) \(seqs.last)", madeAt: request.now)
            }
            if let recalculated = result.recalculated { prepared.prepare(recalculated, on: loop) }
            return result
        }, completion: { [unowned self] result in
            self.server.loop.execute { self.finish(request, result, fence: fence, prepared: prepared) }
        })
    }

    private func finish(_ request: CellWriteRequest, _ result: Result<CellWriteResult, Error>, fence: WriteFence?,
                        prepared: RecalculatedCellsJSON) {
        if case .failure(let error) = result, case .fenced? = error as? StoreError, let fence, let cluster = server.cluster {
            // Another node took the shard over since we routed: nothing was written; go again.
            cluster.ownership.lost(shard: fence.shard, fence: fence.fence)
            return cluster.forwarding.refused(request, reason: "not the owner")
        }
        let session: ClientSession?
        switch request.origin {
        case .local(let sessionID): session = server.sessions[sessionID]
        case .forwarded: session = nil
        }
        switch result {
        case .success(.single(let outcome)):
            finishCellUpdate(outcome, request: request, session: session, prepared: prepared)
        case .success(.batch(let outcome)):
            finishCellBatch(outcome, request: request, session: session, prepared: prepared)
        case .success(.duplicate(let outcome)):
            server.cluster?.forwarding.answerDuplicate(request, outcome: outcome)
        case .failure(let error):
            refuse(request, session: session, server.storeFailure(error, user: request.user))
        }
    }

    private func finishCellUpdate(_ outcome: CellUpdateOutcome, request: CellWriteRequest, session: ClientSession?,
                                  prepared: RecalculatedCellsJSON) {
        let sheet = request.sheet
        let user = request.user
        let requestID = request.requestID
        switch outcome {
        case .applied(let cell, let recalculated):
            server.stats.cellUpdatesApplied += 1
            let frame = OutgoingMessage("cell_updated", [
                ("sheet_id", .string(sheet.id)), ("cell_id", .string(cell.cellId)), ("value", Self.jsonValue(cell.valueJSON)),
                ("formula", JSONValue(cell.formula)), ("error", JSONValue(cell.error)), ("version", JSONValue(cell.version)),
                ("seq", JSONValue(cell.seq)), ("user_id", .string(user.id)), ("username", .string(user.username)),
            ], requestID: requestID)
            announce(frame, seqs: (cell.seq, cell.seq), recalculated: recalculated, request: request, session: session,
                     prepared: prepared)
        case .conflict(let current):
            server.stats.cellConflicts += 1
            refuse(request, session: session, MessageError(.VERSION_CONFLICT,
                                             "cell \(current.cellId) is at version \(current.version); your edit was not applied",
                                             extra: [("cell_id", .string(current.cellId)), ("current", Self.cellJSON(current))]))
        }
    }

    // MARK: cells_update

    private func cellsUpdate(_ session: ClientSession, _ message: IncomingMessage) throws {
        let sheet = try joinedSheet(session, message)
        try requireWriter(session)
        guard let rawUpdates = message.body["updates"], let updates = rawUpdates.arrayValue else {
            throw MessageError.invalid("updates", "must be an array of cell updates")
        }
        guard !updates.isEmpty, updates.count <= CellRules.maxBatchCells else {
            throw MessageError.invalid("updates", "must hold 1 to \(CellRules.maxBatchCells) cells")
        }
        var edits: [CellEdit] = []
        var seen = Set<String>()
        for (index, update) in updates.enumerated() {
            guard let object = update.objectValue else { throw MessageError.invalid("updates[\(index)]", "must be an object") }
            let edit = try cellEdit(object, path: "updates[\(index)].")
            guard seen.insert(edit.cellID).inserted else {
                throw MessageError.invalid("updates[\(index)].cell_id", "repeats cell \(edit.cellID) within one batch")
            }
            edits.append(edit)
        }
        submit(CellWriteRequest(sheet: sheet, user: session.user, writes: .batch(edits.map(\.storeWrite)),
                                now: Timestamp.nowMilliseconds(), requestID: message.requestID,
                                origin: .local(sessionID: session.id), receivedAt: server.loop.now))
    }

    private func finishCellBatch(_ outcome: BatchOutcome, request: CellWriteRequest, session: ClientSession?,
                                 prepared: RecalculatedCellsJSON) {
        let sheet = request.sheet
        let user = request.user
        let requestID = request.requestID
        switch outcome {
        case .applied(let cells, let recalculated):
            server.stats.cellUpdatesApplied += UInt64(cells.count)
            let frame = OutgoingMessage("cells_updated", [
                ("sheet_id", .string(sheet.id)), ("user_id", .string(user.id)), ("username", .string(user.username)),
            ], then: "cells", writeValue: { AppliedCellsJSON.append(cells, to: &$0) }, requestID: requestID)
            announce(frame, seqs: (cells.first?.seq ?? 0, cells.last?.seq ?? 0), recalculated: recalculated, request: request,
                     session: session, prepared: prepared)
        case .conflicts(let conflicts):
            server.stats.cellConflicts += 1
            refuse(request, session: session, MessageError(.VERSION_CONFLICT, "\(conflicts.count) cell(s) changed since you read them; nothing was applied",
                                             extra: [("conflicts", .array(conflicts.map { conflict in
                                                 ["cell_id": .string(conflict.cellId), "current": Self.cellJSON(conflict.current)]
                                             }))]))
        }
    }

    /// An applied write, single or batch: its event (seqs `first...last`), then its recalculated
    /// dependents, then — for a forwarded write — the owner's answer, after both.
    private func announce(_ frame: OutgoingMessage, seqs: (first: Int64, last: Int64), recalculated: [AppliedCell],
                          request: CellWriteRequest, session: ClientSession?, prepared: RecalculatedCellsJSON) {
        broadcastCellEvent(frame, sheet: request.sheet, alsoTo: session, seqs: seqs, origin: request.origin)
        broadcastRecalculated(recalculated, causeSeq: seqs.last, sheet: request.sheet, user: request.user, alsoTo: session,
                              origin: request.origin, prepared: prepared)
        server.stats.cellWriteLatency.record(Double(monotonicNanoseconds() &- request.receivedAt) / 1e9)
        server.cluster?.forwarding.answer(request, applied: (seqs.first, recalculated.last?.seq ?? seqs.last))
    }

    /// A write that was not applied: the error goes to the client, here or on the node that
    /// forwarded it.
    private func refuse(_ request: CellWriteRequest, session: ClientSession?, _ error: MessageError) {
        session?.send(error: error, requestID: request.requestID)
        server.cluster?.forwarding.answer(request, error: error)
    }

    /// Sends a committed cell event to the sheet's room (skipping connections mid-`sync`, whose
    /// replay will carry it) and to the writer if it has left the room meanwhile; in a cluster
    /// also to the other nodes, with its seqs.
    private func broadcastCellEvent(_ frame: OutgoingMessage, sheet: SheetInfo, alsoTo writer: ClientSession?,
                                    seqs: (first: Int64, last: Int64), origin: CellWriteRequest.Origin) {
        if frame.requestID != nil { frame.requester = writer?.id ?? 0 }  // 0: a writer that has gone
        if let cluster = server.cluster {
            cluster.bus.publishCell(frame, sheet: sheet, seqs: seqs, origin: origin)
            cluster.bus.deliverCell(frame, sheet: sheet, seqs: seqs, alsoTo: writer)
        } else {
            deliverCellEvent(frame, sheet: sheet, alsoTo: writer)
        }
    }

    /// Queues a cell event to the room's members here.
    func deliverCellEvent(_ frame: OutgoingMessage, sheet: SheetInfo, alsoTo writer: ClientSession?) {
        var writerReached = false
        if let room = server.rooms[sheet.roomID] {
            room.messagesSent += 1
            room.lastActivity = Timestamp.nowMilliseconds()
            // Queued whole for clients that keep up: a recalculation or a paste can be large,
            // and a cell event is never dropped (SPEC §3's cap still closes a reader that lags).
            for member in room.members {
                if member === writer { writerReached = true }
                if member.collab.syncingSheets.contains(sheet.id) { continue }
                member.send(frame, as: .reply)
            }
        }
        if !writerReached { writer?.send(frame, as: .reply) }
        if server.engineIO.recovery.isLogging { server.engineIO.recovery.record(frame, room: sheet.roomID) }
    }

    /// The dependents a write recomputed, after the write's own event (SPEC §14).
    private func broadcastRecalculated(_ cells: [AppliedCell], causeSeq: Int64, sheet: SheetInfo, user: User,
                                       alsoTo writer: ClientSession?, origin: CellWriteRequest.Origin,
                                       prepared: RecalculatedCellsJSON) {
        guard let first = cells.first, let last = cells.last else { return }
        server.stats.cellsRecalculated += UInt64(cells.count)
        let frame = OutgoingMessage("cells_updated", [
            ("sheet_id", .string(sheet.id)), ("recalculated", true), ("cause_seq", JSONValue(causeSeq)),
            ("user_id", .string(user.id)), ("username", .string(user.username)),
        ], then: "cells", writeValue: { prepared.append(cells, to: &$0) })
        broadcastCellEvent(frame, sheet: sheet, alsoTo: writer, seqs: (first.seq, last.seq), origin: origin)
    }

    /// `{cell_id, value, formula, error, version, seq}` — a cell in `cells_updated`.
    static func appliedCellJSON(_ cell: AppliedCell) -> JSONValue {
        ["cell_id": .string(cell.cellId), "value": jsonValue(cell.valueJSON), "formula": JSONValue(cell.formula),
         "error": JSONValue(cell.error), "version": JSONValue(cell.version), "seq": JSONValue(cell.seq)]
    }

    // MARK: Snapshot and sync

    private func sheetSnapshot(_ session: ClientSession, _ message: IncomingMessage) throws {
        let sheet = try joinedSheet(session, message)
        let requestID = message.requestID
        let sessionID = session.id
        let user = session.user
        // Read through the writer so the snapshot's seq sits exactly between the updates this
        // connection has already been sent and the ones it will be sent next.
        server.store.writer.submit({ db in try CellStore.snapshot(db, sheetId: sheet.id) },
                                   completion: { [unowned self] result in
            self.server.loop.execute {
                let session = self.server.sessions[sessionID]
                switch result {
                case .success(let snapshot): session?.send(self.sheetStateFrame(snapshot, requestID: requestID), as: .reply)
                case .failure(let error): session?.send(error: self.server.storeFailure(error, user: user), requestID: requestID)
                }
            }
        })
    }

    private func sync(_ session: ClientSession, _ message: IncomingMessage) throws {
        let sheet = try joinedSheet(session, message)
        let sinceSeq = try message.integer("since_seq", in: 0...Int64.max)
        guard session.collab.syncingSheets.insert(sheet.id).inserted else {
            throw MessageError(.INVALID_MESSAGE, "a sync of sheet '\(sheet.id)' is already running")
        }
        syncPage(sessionID: session.id, user: session.user, sheet: sheet, after: sinceSeq, requestID: message.requestID)
    }

    /// Updates per sync page: a reply is queued page by page as the client drains it.
    static let syncPageSize = 500

    enum SyncPage: Sendable {
        case entries([HistoryEntry])
        case snapshot(SheetSnapshot)
    }

    /// Up to `limit` updates after seq `after`; the sheet's whole state instead when the
    /// history was trimmed past `after` (or `after` is ahead of the sheet).
    static func page(_ db: Database, sheetID: String, after: Int64, limit: Int) throws -> SyncPage {
        switch try CellStore.history(db, sheetId: sheetID, sinceSeq: after, limit: limit) {
        case .entries(let entries): return .entries(entries)
        case .truncated: return .snapshot(try CellStore.snapshot(db, sheetId: sheetID))
        }
    }

    /// Reads the next page through the writer, so a page that comes back short ends exactly at
    /// the sheet's current seq: every later update reaches this connection live, after it.
    private func syncPage(sessionID: UInt64, user: User, sheet: SheetInfo, after: Int64, requestID: String?) {
        let limit = Self.syncPageSize
        server.store.writer.submit({ db in try Self.page(db, sheetID: sheet.id, after: after, limit: limit) }, completion: server.onLoop { [unowned self] (result: Result<SyncPage, Error>) in
            guard let session = self.server.sessions[sessionID] else { return }
            switch result {
            case .success(.entries(let entries)):
                for entry in entries { session.send(Self.historyFrame(entry, sheetID: sheet.id), as: .reply) }
                let reached = entries.last?.seq ?? after
                if entries.count < limit {
                    session.collab.syncingSheets.remove(sheet.id)
                    session.send(OutgoingMessage("sync_complete", [("sheet_id", .string(sheet.id)), ("seq", JSONValue(reached))],
                                                       requestID: requestID), as: .reply)
                } else {
                    self.whenDrained(session) {
                        self.syncPage(sessionID: sessionID, user: user, sheet: sheet, after: reached, requestID: requestID)
                    }
                }
            case .success(.snapshot(let snapshot)):
                session.collab.syncingSheets.remove(sheet.id)
                session.send(self.sheetStateFrame(snapshot, requestID: requestID), as: .reply)
            case .failure(let error):
                session.collab.syncingSheets.remove(sheet.id)
                session.send(error: self.server.storeFailure(error, user: user), requestID: requestID)
            }
        })
    }

    /// Runs `next` once the session's backlog is below a quarter of the send-buffer cap.
    private func whenDrained(_ session: ClientSession, _ next: @escaping () -> Void) {
        guard !session.isClosing else { return }
        if session.pendingOutputBytes <= server.settings.sendBufferBytes / 4 { return next() }
        let id = session.id
        server.loop.schedule(after: 0.005) { [unowned self] in
            guard let session = self.server.sessions[id] else { return }
            self.whenDrained(session, next)
        }
    }

    /// A committed update read back from the history, as `cell_updated` (sync replay, gap repair).
    static func historyFrame(_ entry: HistoryEntry, sheetID: String, requestID: String? = nil) -> OutgoingMessage {
        OutgoingMessage("cell_updated", [
            ("sheet_id", .string(sheetID)), ("cell_id", .string(entry.cellId)), ("value", jsonValue(entry.valueJSON)),
            ("formula", JSONValue(entry.formula)), ("error", JSONValue(entry.error)),
            ("version", JSONValue(entry.version)), ("seq", JSONValue(entry.seq)),
            ("user_id", JSONValue(entry.userId)), ("username", JSONValue(entry.username)),
        ], requestID: requestID)
    }

    func sheetStateFrame(_ snapshot: SheetSnapshot, requestID: String?) -> OutgoingMessage {
        OutgoingMessage("sheet_state", [
            ("sheet_id", .string(snapshot.sheetId)), ("seq", JSONValue(snapshot.seq)),
            ("cells", .array(snapshot.cells.map { cell in
                var json = Self.cellJSON(cell)
                if case .object(var object) = json {
                    object.members.insert(("cell_id", .string(cell.cellId)), at: 0)
                    json = .object(object)
                }
                return json
            })),
        ], requestID: requestID)
    }

    /// `{value, formula, version, updated_by, updated_at}` — the shape of `current` in conflicts.
    static func cellJSON(_ cell: CellRecord) -> JSONValue {
        [
            "value": jsonValue(cell.valueJSON), "formula": JSONValue(cell.formula), "error": JSONValue(cell.error),
            "version": JSONValue(cell.version),
            "updated_by": JSONValue(cell.updatedBy), "updated_at": cell.updatedAt.map { .string(Timestamp.iso8601(milliseconds: $0)) } ?? .null,
        ]
    }

    /// Stored values are JSON text the server wrote itself.
    static func jsonValue(_ text: String) -> JSONValue {
        (try? JSONParser.parse(Array(text.utf8))) ?? .null
    }
}

extension CellEdit {
    var storeWrite: CellWrite {
        CellWrite(cellId: cellID, valueJSON: valueJSON, formula: formula, expectedVersion: expectedVersion)
    }
}
