import GridlineJSON

/// Durable cell writes across nodes, for the cluster scenario: clients seated by
/// `ClusterLayout` join their room; senders are writers, each on a cell of its own in its
/// room's sheet, keeping `inflight` compare-and-set `cell_update`s outstanding (optionally
/// paced to `rate` per second). The value written is the send time (CLOCK_MONOTONIC ns, as a
/// string), so a reader on another node times each `cell_updated` from the writer's send to
/// its own receipt: writer → its node → (forward to the owner) → commit → publish → reader's
/// node → reader. Writers time their acknowledgement (the `cell_updated` with their
/// request_id). Readers also check that each sheet's seq arrives gap-free and in order.
final class ClusterCellLoad: ScenarioRun {
    struct Step {
        var inflight: Int
        var rate: Double
        var seconds: Double
        /// Stop a writer after this many acknowledged writes (0: no limit); the step ends when
        /// every writer is done (used to make the first write of each room from one node).
        var writesPerWriter = 0
    }

    private struct Writer {
        let client: BenchClient
        let cell: String
        let sheet: String
        var highestSeen: Int64 = 0
        var nextVersion: Int64 = 0
        var nextRequest: UInt64 = 0
        var pending: [(request: UInt64, sentAt: UInt64)] = []
        var nextDue: UInt64 = 0
        var pausedUntil: UInt64 = 0
        var ackedInStep = 0
    }

    private static let ackTimeout: UInt64 = 12_000_000_000
    private static let pauseAfterRefusal: UInt64 = 1_000_000_000

    let seats: [ClusterSeat]
    private let roomNames: [String]
    private let sheetNames: [String]
    private let cellPrefix: String
    private var writers: [Writer] = []
    private var writerOf: [Int?]
    private var isReader: [Bool]
    private var lastSeq: [Int64]
    // The running step.
    private var sending = false
    private var testStart: UInt64 = .max
    private var testEnd: UInt64 = .max
    private var attempts = 0
    private var acked = 0
    private var ackedInTest = 0
    private var conflicts = 0
    private var refusals: [String: Int] = [:]
    private var ackTimeouts = 0
    private var remoteDeliveries = 0
    private var seqGaps = 0
    private var seqOutOfOrder = 0
    private var ackLatency = LatencyHistogram()
    private var remoteLatency = LatencyHistogram()

    /// `cellPrefix` names the writers' cells (`<prefix><n>`), so loads on one sheet use cells of their own.
    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens, seats: [ClusterSeat], roomNames: [String],
         sheetNames: [String], cellPrefix: String) {
        self.seats = seats
        self.roomNames = roomNames
        self.sheetNames = sheetNames
        self.cellPrefix = cellPrefix
        writerOf = Array(repeating: nil, count: seats.count)
        isReader = seats.map { $0.role == .reader }
        lastSeq = Array(repeating: -1, count: seats.count)
        super.init(options: options, pool: pool, tokens: tokens, joinOnOpen: false)
    }

    override func run() {
        guard prepare() else { return }
        _ = step(Step(inflight: options.inflight, rate: 0, seconds: options.duration))
    }

    /// Connects and joins every client to its room. False when not every client got in.
    func prepare() -> Bool {
        connectPhase()
        let start = BenchClock.now()
        for client in pool.clients where client.isOpen {
            let join = JSONObject([("type", "join_room"), ("room_id", .string(roomNames[seats[client.index].room])),
                                   ("request_id", "join")])
            pool.sendText(client, JSONValue.object(join).serialized())
        }
        pool.run(until: start + BenchClock.nanoseconds(options.joinTimeout)) { _ in
            joinedCount + joinRefusedCount < pool.openCount
        }
        settlePhase(maxSeconds: options.settle, quietMs: 300)
        var perSheet = [Int](repeating: 0, count: sheetNames.count)
        for client in pool.clients where seats[client.index].role == .sender {
            let room = seats[client.index].room
            perSheet[room] += 1
            writerOf[client.index] = writers.count
            writers.append(Writer(client: client, cell: "\(cellPrefix)\(perSheet[room])", sheet: sheetNames[room]))
        }
        Progress.say("  \(joinedCount)/\(seats.count) clients joined, \(writers.count) writers")
        return joinedCount == seats.count
    }

    func step(_ step: Step, watch: CPUWatch? = nil) -> JSONObject {
        attempts = 0; acked = 0; ackedInTest = 0; conflicts = 0; refusals = [:]; ackTimeouts = 0
        remoteDeliveries = 0; seqGaps = 0; seqOutOfOrder = 0
        ackLatency = LatencyHistogram()
        remoteLatency = LatencyHistogram()
        let interval = step.rate > 0 ? UInt64(1e9 / step.rate) : 0
        let now = BenchClock.now()
        for index in writers.indices {
            writers[index].ackedInStep = 0
            writers[index].nextDue = now + interval * UInt64(index) / UInt64(max(writers.count, 1))
        }
        let before = watch?.sample()
        sending = true
        testEnd = .max
        testStart = BenchClock.now()
        pool.run(until: testStart + BenchClock.nanoseconds(step.seconds), tickMs: interval > 0 ? 1 : 5) { now in
            pump(step, interval: interval, now: now)
            return step.writesPerWriter == 0 || writers.contains { $0.ackedInStep < step.writesPerWriter }
        }
        testEnd = BenchClock.now()
        sending = false
        let cpu = before.flatMap { watch?.since($0) }
        pool.run(until: testEnd + BenchClock.nanoseconds(max(options.drain, 2))) { now in
            expire(now: now)
            return writers.contains { !$0.pending.isEmpty }
        }
        let seconds = max(1e-9, Double(testEnd - testStart) / 1e9)
        var figures = BenchReport()
        figures.set("writers", writers.count)
        figures.set("inflight", step.inflight)
        if step.rate > 0 { figures.set("rate_per_writer", step.rate) }
        figures.set("duration_s", seconds, places: 3)
        figures.set("attempts", attempts)
        figures.set("acked", acked)
        figures.set("acked_per_s", Double(ackedInTest) / seconds)
        figures.set("conflicts", conflicts)
        figures.set("refused", counts: refusals)
        figures.set("ack_timeouts", ackTimeouts)
        figures.latency("ack", ackLatency, quantiles: [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)])
        if remoteDeliveries > 0 {
            figures.set("remote_deliveries", remoteDeliveries)
            figures.latency("remote", remoteLatency, quantiles: [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)])
        }
        figures.set("seq_gaps", seqGaps)
        figures.set("seq_out_of_order", seqOutOfOrder)
        if let cpu { figures.set("cpu_s", .object(cpu)) }
        Progress.say("  cells: acked \(acked) (\(Int(Double(ackedInTest) / seconds))/s), conflicts \(conflicts),"
                     + " ack p50 \(ackLatency.quantile(0.5) / 1000) µs p99 \(ackLatency.quantile(0.99) / 1000) µs"
                     + (remoteDeliveries > 0 ? ", other-node readers p50 \(remoteLatency.quantile(0.5) / 1000) µs"
                        + " p99 \(remoteLatency.quantile(0.99) / 1000) µs" : ""))
        return figures.object
    }

    /// Closes every connection and returns the run's counters (errors, close codes).
    func finish() -> JSONObject { finishClients(seats.count) }

    private func pump(_ step: Step, interval: UInt64, now: UInt64) {
        expire(now: now)
        for index in writers.indices where writers[index].client.isOpen && writers[index].pausedUntil <= now {
            while writers[index].pending.count < step.inflight {
                if step.writesPerWriter > 0,
                   writers[index].ackedInStep + writers[index].pending.count >= step.writesPerWriter { break }
                if interval > 0 {
                    guard writers[index].nextDue <= now else { break }
                    // No catching up in bursts after a stall: the schedule restarts from now.
                    writers[index].nextDue = max(writers[index].nextDue + interval, now)
                }
                send(index, now: now)
            }
        }
    }

    private func send(_ index: Int, now: UInt64) {
        let version = max(writers[index].nextVersion, writers[index].highestSeen)
        writers[index].nextVersion = version + 1
        let request = writers[index].nextRequest
        writers[index].nextRequest += 1
        let sentAt = BenchClock.now()
        let message = CellsScenario.cellUpdate(
            sheet: writers[index].sheet, cell: writers[index].cell, value: .string(String(sentAt)), version: version,
            requestID: CellsScenario.requestID(client: index, request: request))
        pool.sendText(writers[index].client, message.serialized())
        writers[index].pending.append((request, sentAt))
        attempts += 1
    }

    private func expire(now: UInt64) {
        for index in writers.indices where !writers[index].pending.isEmpty {
            let before = writers[index].pending.count
            writers[index].pending.removeAll { now &- $0.sentAt > Self.ackTimeout }
            ackTimeouts += before - writers[index].pending.count
        }
    }

    // MARK: - Messages

    override var expectedServerCodes: Set<String> { ["VERSION_CONFLICT"] }

    override func received(_ client: BenchClient, type: Range<Int>, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        guard JSONFieldScanner.equals(text, type, "cell_updated") else { return }
        var cell: String?
        var version: UInt64?
        var seq: UInt64?
        var value: UInt64?
        var requestID: String?
        JSONFieldScanner.forEachMember(in: text, object: 0..<text.count) { key, range in
            if JSONFieldScanner.equals(text, key, "cell_id") { cell = JSONFieldScanner.string(text, range) }
            else if JSONFieldScanner.equals(text, key, "version") { version = JSONFieldScanner.unsignedInteger(text, range) }
            else if JSONFieldScanner.equals(text, key, "seq") { seq = JSONFieldScanner.unsignedInteger(text, range) }
            else if JSONFieldScanner.equals(text, key, "value") { value = JSONFieldScanner.string(text, range).flatMap { UInt64($0) } }
            else if JSONFieldScanner.equals(text, key, "request_id") { requestID = JSONFieldScanner.string(text, range) }
            return true
        }
        if isReader[client.index] {
            if let seq {
                let last = lastSeq[client.index]
                if last >= 0 {
                    if Int64(seq) <= last { seqOutOfOrder += 1 } else if Int64(seq) != last + 1 { seqGaps += 1 }
                }
                lastSeq[client.index] = max(last, Int64(seq))
            }
            if let value, value >= testStart, value <= now, testStart != .max {
                remoteLatency.record(now - value)
                remoteDeliveries += 1
            }
            return
        }
        guard let index = writerOf[client.index] else { return }
        if cell == writers[index].cell, let version {
            writers[index].highestSeen = max(writers[index].highestSeen, Int64(version))
        }
        guard let requestID, let number = CellsScenario.requestNumber(requestID, client: index),
              let slot = writers[index].pending.firstIndex(where: { $0.request == number }) else { return }
        ackLatency.record(now &- writers[index].pending[slot].sentAt)
        writers[index].pending.remove(at: slot)
        writers[index].ackedInStep += 1
        acked += 1
        if sending { ackedInTest += 1 }
    }

    override func serverError(_ client: BenchClient, code: String, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        guard let index = writerOf[client.index] else { return }
        let requestID = JSONFieldScanner.member("request_id", in: text, object: 0..<text.count)
            .flatMap { JSONFieldScanner.string(text, $0) }
        guard let requestID, let number = CellsScenario.requestNumber(requestID, client: index),
              let slot = writers[index].pending.firstIndex(where: { $0.request == number }) else { return }
        writers[index].pending.remove(at: slot)
        guard code == "VERSION_CONFLICT" else {
            refusals[code, default: 0] += 1
            writers[index].pausedUntil = now + Self.pauseAfterRefusal
            return
        }
        conflicts += 1
        let current = (try? JSONParser.parse(text))?.objectValue?["current"]?.objectValue
        if let version = current?["version"]?.int64Value {
            writers[index].highestSeen = max(writers[index].highestSeen, version)
        }
        writers[index].nextVersion = writers[index].highestSeen
    }
}
