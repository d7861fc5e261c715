import GridlineJSON

/// `cells`: versioned cell writes (SPEC §6). `--clients` join the sheet's room and learn the
/// cell versions from a `sheet_snapshot`; each then keeps `--inflight` `cell_update`s
/// outstanding on its own cell (`C<client+1>`), or with `--shared-cell` all on C1, sending the
/// last version it saw. An update is acknowledged by the `cell_updated` carrying its
/// request_id; a `VERSION_CONFLICT` error hands back `current.version`, which the next try
/// uses. Every `cell_updated` a client sees also checks the contract that a sheet's `seq`
/// arrives gap-free and in order on every connection.
final class CellsScenario: ScenarioRun {
    private struct Writer {
        let cell: String
        /// Highest stored version seen for the cell, from snapshot, broadcasts and conflicts.
        var highestSeen: Int64 = 0
        var nextVersion: Int64 = 0
        var value = 0
        var nextRequest: UInt64 = 0
        var pending: [(request: UInt64, sentAt: UInt64)] = []
        var pausedUntil: UInt64 = 0
        var lastSeq: Int64 = -1
        var ready = false
    }

    private static let ackTimeout: UInt64 = 5_000_000_000
    private static let pauseAfterRefusal: UInt64 = 1_000_000_000

    private var writers: [Writer]
    private var readyCount = 0
    private var sending = false
    private var testStart: UInt64 = 0
    private var testEnd: UInt64 = 0
    private var attempts = 0
    private var acked = 0
    private var ackedInTest = 0
    private var conflicts = 0
    private var refusals = 0
    private var ackTimeouts = 0
    private var broadcastsSeen = 0
    private var seqGaps = 0
    private var seqOutOfOrder = 0
    private var ackLatency = LatencyHistogram()
    private var conflictLatency = LatencyHistogram()

    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens) {
        writers = (0..<pool.clients.count).map {
            Writer(cell: options.sharedCell ? "C1" : CellName.forClient($0) ?? "C1")
        }
        super.init(options: options, pool: pool, tokens: tokens, joinOnOpen: true)
    }

    override func run() {
        connectPhase()
        joinPhase(timeout: options.joinTimeout)
        settlePhase(maxSeconds: options.settle)
        snapshotPhase()
        if readyCount > 0 {
            Progress.say("cells: \(readyCount) writers on sheet '\(options.sheet)'"
                         + (options.sharedCell ? ", all on C1" : ", one cell each") + ", \(options.inflight) in flight each")
            testPhase()
        } else {
            pool.stats.count("no_writers")
        }
        cellsReport()
        closePhase()
        reportTrailer()
        let seconds = max(1e-9, Double(testEnd &- testStart) / 1e9)
        Progress.say("acked \(acked) (\(Int(Double(ackedInTest) / seconds))/s), conflicts \(conflicts),"
                     + " ack p50 \(ackLatency.quantile(0.5) / 1000) µs p99 \(ackLatency.quantile(0.99) / 1000) µs")
    }

    /// Each joined client asks for the sheet so it starts from the stored versions; a server
    /// without `sheet_snapshot` leaves it at version 0 and the first conflict corrects it.
    private func snapshotPhase() {
        var request = JSONObject([("type", "sheet_snapshot"), ("sheet_id", .string(options.sheet))])
        request["request_id"] = "snap"
        let payload = JSONValue.object(request).serialized()
        var asked = 0
        for client in pool.clients where client.isOpen && joined[client.index] {
            pool.sendText(client, payload)
            asked += 1
        }
        pool.run(until: BenchClock.now() + BenchClock.nanoseconds(options.connectTimeout)) { _ in readyCount < asked }
    }

    private func testPhase() {
        sending = true
        testStart = BenchClock.now()
        var lastReport = testStart
        pool.run(until: testStart + BenchClock.nanoseconds(options.duration), tickMs: 5) { now in
            pump(now: now)
            if now - lastReport >= 1_000_000_000 {
                lastReport = now
                Progress.say("  \(Int(Double(now - testStart) / 1e9)) s: acked \(acked), conflicts \(conflicts)")
            }
            return true
        }
        testEnd = BenchClock.now()
        sending = false
        // Bounded wait for the answers to what is still outstanding.
        pool.run(until: testEnd + BenchClock.nanoseconds(options.drain)) { now in
            expirePending(now: now)
            return writers.contains { !$0.pending.isEmpty }
        }
    }

    private func pump(now: UInt64) {
        expirePending(now: now)
        for client in pool.clients where client.isOpen && writers[client.index].ready {
            let index = client.index
            guard writers[index].pausedUntil <= now else { continue }
            while writers[index].pending.count < options.inflight { send(client, index, now: now) }
        }
    }

    private func send(_ client: BenchClient, _ index: Int, now: UInt64) {
        // Pipelined writes assume the earlier ones succeed; a conflict resets the guess.
        let version = max(writers[index].nextVersion, writers[index].highestSeen)
        writers[index].nextVersion = version + 1
        writers[index].value += 1
        let request = writers[index].nextRequest
        writers[index].nextRequest += 1
        let message = Self.cellUpdate(sheet: options.sheet, cell: writers[index].cell, value: JSONValue(writers[index].value),
                                      version: version, requestID: Self.requestID(client: index, request: request))
        pool.sendText(client, message.serialized())
        writers[index].pending.append((request, now))
        attempts += 1
    }

    private func expirePending(now: UInt64) {
        for index in writers.indices where !writers[index].pending.isEmpty {
            let before = writers[index].pending.count
            writers[index].pending.removeAll { now &- $0.sentAt > Self.ackTimeout }
            ackTimeouts += before - writers[index].pending.count
        }
    }

    // MARK: - Messages

    override var expectedServerCodes: Set<String> { ["VERSION_CONFLICT"] }

    static func requestID(client: Int, request: UInt64) -> String { "c\(client)-\(request)" }

    /// A compare-and-set `cell_update` (the cluster scenario's writers send the same).
    static func cellUpdate(sheet: String, cell: String, value: JSONValue, version: Int64, requestID: String) -> JSONValue {
        .object(JSONObject([
            ("type", "cell_update"), ("sheet_id", .string(sheet)), ("cell_id", .string(cell)),
            ("value", value), ("version", JSONValue(version)), ("request_id", .string(requestID)),
        ]))
    }

    /// The request number of one of `client`'s request ids (`c<client>-<n>`), nil for others'.
    static func requestNumber(_ text: String, client: Int) -> UInt64? {
        let prefix = "c\(client)-"
        guard text.hasPrefix(prefix) else { return nil }
        return UInt64(text.dropFirst(prefix.count))
    }

    override func received(_ client: BenchClient, type: Range<Int>, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        if JSONFieldScanner.equals(text, type, "cell_updated") {
            cellUpdated(client, text, now: now)
        } else if JSONFieldScanner.equals(text, type, "sheet_state") {
            sheetState(client, text)
        }
    }

    private func cellUpdated(_ client: BenchClient, _ text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        var sheet: String?
        var cell: String?
        var version: UInt64?
        var seq: UInt64?
        var requestID: String?
        JSONFieldScanner.forEachMember(in: text, object: 0..<text.count) { key, value in
            if JSONFieldScanner.equals(text, key, "sheet_id") { sheet = JSONFieldScanner.string(text, value) }
            else if JSONFieldScanner.equals(text, key, "cell_id") { cell = JSONFieldScanner.string(text, value) }
            else if JSONFieldScanner.equals(text, key, "version") { version = JSONFieldScanner.unsignedInteger(text, value) }
            else if JSONFieldScanner.equals(text, key, "seq") { seq = JSONFieldScanner.unsignedInteger(text, value) }
            else if JSONFieldScanner.equals(text, key, "request_id") { requestID = JSONFieldScanner.string(text, value) }
            return true
        }
        guard sheet == options.sheet else { return }
        let index = client.index
        if let seq {
            let last = writers[index].lastSeq
            if last >= 0 {
                if Int64(seq) <= last { seqOutOfOrder += 1 } else if Int64(seq) != last + 1 { seqGaps += 1 }
            }
            writers[index].lastSeq = max(last, Int64(seq))
        }
        if cell == writers[index].cell, let version {
            writers[index].highestSeen = max(writers[index].highestSeen, Int64(version))
        }
        guard let requestID, let number = Self.requestNumber(requestID, client: index),
              let slot = writers[index].pending.firstIndex(where: { $0.request == number }) else {
            broadcastsSeen += 1
            return
        }
        ackLatency.record(now &- writers[index].pending[slot].sentAt)
        writers[index].pending.remove(at: slot)
        acked += 1
        if sending { ackedInTest += 1 }
    }

    private func sheetState(_ client: BenchClient, _ text: UnsafeBufferPointer<UInt8>) {
        let index = client.index
        guard !writers[index].ready, let object = (try? JSONParser.parse(text))?.objectValue else { return }
        if let seq = object["seq"]?.int64Value { writers[index].lastSeq = seq }
        for cell in object["cells"]?.arrayValue ?? [] {
            guard let cellObject = cell.objectValue, cellObject["cell_id"]?.stringValue == writers[index].cell else { continue }
            writers[index].highestSeen = cellObject["version"]?.int64Value ?? 0
        }
        writers[index].nextVersion = writers[index].highestSeen
        markReady(index)
    }

    private func markReady(_ index: Int) {
        guard !writers[index].ready else { return }
        writers[index].ready = true
        readyCount += 1
    }

    override func serverError(_ client: BenchClient, code: String, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        let index = client.index
        let whole = 0..<text.count
        let requestID = JSONFieldScanner.member("request_id", in: text, object: whole).flatMap { JSONFieldScanner.string(text, $0) }
        if requestID == "snap" {
            markReady(index)  // no snapshot: start at version 0
            return
        }
        guard let requestID, let number = Self.requestNumber(requestID, client: index),
              let slot = writers[index].pending.firstIndex(where: { $0.request == number }) else { return }
        let sentAt = writers[index].pending[slot].sentAt
        writers[index].pending.remove(at: slot)
        guard code == "VERSION_CONFLICT" else {
            // Refused (rate limit, permission, unknown sheet …): back off instead of hammering.
            refusals += 1
            writers[index].pausedUntil = now + Self.pauseAfterRefusal
            return
        }
        conflicts += 1
        conflictLatency.record(now &- sentAt)
        let current = (try? JSONParser.parse(text))?.objectValue?["current"]?.objectValue
        if let version = current?["version"]?.int64Value {
            writers[index].highestSeen = max(writers[index].highestSeen, version)
        }
        writers[index].nextVersion = writers[index].highestSeen
    }

    // MARK: - Report

    private func cellsReport() {
        reportHeader()
        let seconds = max(1e-9, Double(testEnd &- testStart) / 1e9)
        report.set("sheet", options.sheet)
        report.set("shared_cell", .bool(options.sharedCell))
        report.set("writers", readyCount)
        report.set("inflight", options.inflight)
        report.set("duration_s", testEnd > testStart ? seconds : 0, places: 3)
        report.set("attempts", attempts)
        report.set("acked", acked)
        report.set("acked_per_s", Double(ackedInTest) / seconds)
        report.set("conflicts", conflicts)
        report.set("conflict_rate", acked + conflicts > 0 ? Double(conflicts) / Double(acked + conflicts) : 0, places: 4)
        report.set("refused", refusals)
        report.set("ack_timeouts", ackTimeouts)
        report.latency("ack", ackLatency)
        report.latency("conflict", conflictLatency, quantiles: BenchReport.shortQuantiles)
        report.set("broadcasts_seen", broadcastsSeen)
        report.set("seq_gaps", seqGaps)
        report.set("seq_out_of_order", seqOutOfOrder)
    }
}

/// The distinct cell each client writes: `C<client+1>`, valid A1 notation (SPEC §6:
/// `^[A-Z]{1,3}[1-9][0-9]{0,6}$`) for up to 9,999,999 clients.
public enum CellName {
    public static func forClient(_ client: Int) -> String? {
        guard client >= 0, client < 9_999_999 else { return nil }
        return "C\(client + 1)"
    }
}
