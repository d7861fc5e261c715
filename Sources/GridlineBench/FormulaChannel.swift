import GridlineJSON

/// One WebSocket client in a room, for scenarios that send a request and time its answers
/// (the formulas scenario). It records when each request's own answer (`cell_updated` or
/// `cells_updated` carrying its request_id) and each `recalculated` broadcast arrive. Its
/// pool is its own, so a scenario that restarts the server opens a fresh channel.
final class FormulaChannel: ClientPoolDelegate {
    /// A `cells_updated {recalculated: true}` as received.
    struct Recalculation {
        var causeSeq: UInt64
        var receivedAt: UInt64
        var cellCount: Int
        var bytes: Int
        /// `value` of the last cell in `cells` as JSON text (the chain's end, in dependency order).
        var lastValue: String
    }

    /// A request's own answer: the applied write's broadcast, or an error.
    struct Answer {
        var receivedAt: UInt64
        var lastSeq: UInt64
        var errorCode: String?
    }

    let pool: ClientPool
    let room: String
    private(set) var answers: [String: Answer] = [:]
    private(set) var recalculations: [Recalculation] = []
    private(set) var errors: [String: Int] = [:]
    private var established = false
    private var joined = false
    private var joinError: String?

    init(settings: ClientPool.Settings, token: String, room: String) throws(BenchFailure) {
        pool = try ClientPool(count: 1, settings: settings) { _ in token }
        self.room = room
        pool.delegate = self
    }

    var client: BenchClient { pool.clients[0] }

    /// Connects and joins the room, bounded by `timeout` seconds.
    func open(timeout: Double) throws(BenchFailure) {
        let deadline = BenchClock.now() + BenchClock.nanoseconds(timeout)
        pool.connect(upTo: 1, now: BenchClock.now())
        pool.run(until: deadline) { _ in !established && (client.isPending || client.isOpen) }
        guard client.isOpen else { throw BenchFailure("could not connect: \(pool.stats.errors)") }
        var join = JSONObject([("type", "join_room"), ("room_id", .string(room))])
        join["request_id"] = "join"
        pool.sendText(client, JSONValue.object(join).serialized())
        pool.run(until: deadline) { _ in !joined && joinError == nil && client.isOpen }
        if let joinError { throw BenchFailure("join_room '\(room)' refused: \(joinError)") }
        guard joined else { throw BenchFailure("no room_state for '\(room)' within \(timeout) s") }
    }

    func send(_ message: JSONValue) {
        pool.sendText(client, message.serialized())
    }

    /// Runs the loop until `done` is true or `timeout` seconds pass; returns `done`'s last answer.
    @discardableResult
    func wait(timeout: Double, until done: () -> Bool) -> Bool {
        var finished = done()
        pool.run(until: BenchClock.now() + BenchClock.nanoseconds(timeout), tickMs: 5) { _ in
            finished = done()
            return !finished && client.isOpen
        }
        return finished || done()
    }

    func answer(_ requestID: String) -> Answer? { answers[requestID] }

    func forgetAnswers() {
        answers.removeAll(keepingCapacity: true)
        recalculations.removeAll(keepingCapacity: true)
    }

    func close(timeout: Double) {
        _ = pool.closeAll(timeout: BenchClock.nanoseconds(timeout))
        pool.delegate = nil
    }

    // MARK: - ClientPoolDelegate

    func clientOpened(_ client: BenchClient, now: UInt64) {}

    func clientGotClose(_ client: BenchClient, code: UInt16?, now: UInt64) {}

    func clientReceived(_ client: BenchClient, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        guard let type = JSONFieldScanner.messageType(text) else { return }
        if JSONFieldScanner.equals(text, type, "connection_established") {
            established = true
        } else if JSONFieldScanner.equals(text, type, "room_state") {
            joined = true
        } else if JSONFieldScanner.equals(text, type, "cell_updated") || JSONFieldScanner.equals(text, type, "cells_updated") {
            cellsUpdated(text, now: now)
        } else if JSONFieldScanner.equals(text, type, "error") {
            let whole = 0..<text.count
            let code = JSONFieldScanner.member("code", in: text, object: whole).flatMap { JSONFieldScanner.string(text, $0) } ?? "UNKNOWN"
            errors[code, default: 0] += 1
            let requestID = JSONFieldScanner.member("request_id", in: text, object: whole).flatMap { JSONFieldScanner.string(text, $0) }
            if requestID == "join" {
                joinError = code
            } else if let requestID {
                answers[requestID] = Answer(receivedAt: now, lastSeq: 0, errorCode: code)
            }
        }
    }

    private func cellsUpdated(_ text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        var requestID: String?
        var recalculated = false
        var causeSeq: UInt64 = 0
        var seq: UInt64 = 0
        var cells: Range<Int>?
        JSONFieldScanner.forEachMember(in: text, object: 0..<text.count) { key, value in
            if JSONFieldScanner.equals(text, key, "request_id") { requestID = JSONFieldScanner.string(text, value) }
            else if JSONFieldScanner.equals(text, key, "recalculated") { recalculated = JSONFieldScanner.equals(text, value, "true") }
            else if JSONFieldScanner.equals(text, key, "cause_seq") { causeSeq = JSONFieldScanner.unsignedInteger(text, value) ?? 0 }
            else if JSONFieldScanner.equals(text, key, "seq") { seq = JSONFieldScanner.unsignedInteger(text, value) ?? 0 }
            else if JSONFieldScanner.equals(text, key, "cells") { cells = value }
            return true
        }
        var count = 0
        var last: Range<Int>?
        if let cells {
            JSONFieldScanner.forEachElement(in: text, array: cells) { element in
                count += 1
                last = element
                return true
            }
        }
        if let last, seq == 0 {
            seq = JSONFieldScanner.member("seq", in: text, object: last).flatMap { JSONFieldScanner.unsignedInteger(text, $0) } ?? 0
        }
        if recalculated {
            let value = last.flatMap { JSONFieldScanner.member("value", in: text, object: $0) }
                .map { String(decoding: UnsafeBufferPointer(rebasing: text[$0]), as: UTF8.self) } ?? ""
            recalculations.append(Recalculation(causeSeq: causeSeq, receivedAt: now, cellCount: count, bytes: text.count,
                                                lastValue: value))
        } else if let requestID {
            answers[requestID] = Answer(receivedAt: now, lastSeq: seq, errorCode: nil)
        }
    }
}
