import GridlineJSON

/// Cursor traffic across nodes, for the cluster scenario: clients seated by `ClusterLayout`
/// (each on its node's port, in its room); senders send `cursor_move` stamped in `meta` like
/// the fanout scenario, and only readers — on other nodes than the room's senders — count
/// and time what arrives, so every figure is of events that went through Redis. Speaks
/// Gridline's JSON messages or Socket.IO events (the python-socketio peers). One connected set
/// of clients runs several steps (`step`), each a window or a fixed rate for some seconds.
final class ClusterRoomLoad: ScenarioRun {
    enum Framing {
        case json, socketIO
    }

    /// One step's settings: either `rate` msg/s per sender (window caps what is outstanding)
    /// or, with rate 0, as fast as `window` outstanding messages per sender allow.
    struct Step {
        var window: Int
        var rate: Double
        var seconds: Double
        var drain: Double
    }

    private struct Sender {
        let client: BenchClient
        let expected: Int
        let prefix: [UInt8]
        var nextSeq: UInt64 = 0
        var acked: UInt64 = 0
        var nextDue: UInt64 = 0
        var lastProgress: UInt64 = 0
        var slotSeq: [UInt64] = []
        var slotCount: [Int] = []
    }

    private static let joinAckID: UInt64 = 1
    private static let stallRelease: UInt64 = 2_000_000_000

    let seats: [ClusterSeat]
    private let roomNames: [String]
    private let framing: Framing
    private let tokenFor: (Int) -> String
    private var senders: [Sender] = []
    private var isReader: [Bool]
    private var payload: [UInt8] = []
    // The running step.
    private var window = 1
    private var testStart: UInt64 = .max
    private var testEnd: UInt64 = .max
    private var sent = 0
    private var sentInTest = 0
    private var skipped = 0
    private var windowTimeouts = 0
    private var delivered = 0
    private var deliveredInTest = 0
    private var expectedDeliveries = 0
    private var stale = 0
    private var latency = LatencyHistogram()

    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens, seats: [ClusterSeat], roomNames: [String],
         framing: Framing, tokenFor: @escaping (Int) -> String) {
        self.seats = seats
        self.roomNames = roomNames
        self.framing = framing
        self.tokenFor = tokenFor
        isReader = seats.map { $0.role == .reader }
        super.init(options: options, pool: pool, tokens: tokens, joinOnOpen: false)
    }

    override func run() {
        guard prepare() else { return }
        _ = step(Step(window: options.window, rate: options.rate, seconds: options.duration, drain: options.drain))
    }

    /// Connects, admits (Socket.IO CONNECT), joins every client to its room and lets the join
    /// broadcasts settle. False when not every client got in.
    func prepare() -> Bool {
        connectPhase()
        if framing == .socketIO {
            let start = BenchClock.now()
            pool.run(until: start + BenchClock.nanoseconds(options.joinTimeout)) { _ in
                establishedCount + socketIOConnectRefused < pool.openCount
            }
        }
        let start = BenchClock.now()
        for client in pool.clients where client.isOpen {
            pool.sendText(client, joinPayload(room: roomNames[seats[client.index].room]))
        }
        pool.run(until: start + BenchClock.nanoseconds(options.joinTimeout)) { _ in
            joinedCount + joinRefusedCount < pool.openCount
        }
        joinSeconds = Double(BenchClock.now() - start) / 1e9
        settlePhase(maxSeconds: options.settle, quietMs: 300)
        Progress.say("  \(joinedCount)/\(seats.count) clients joined \(roomNames.count) room(s) in \(String(format: "%.2f", joinSeconds)) s")
        let readers = ClusterLayout.readersPerRoom(seats, rooms: roomNames.count)
        for client in pool.clients where seats[client.index].role == .sender {
            senders.append(Sender(client: client, expected: readers[seats[client.index].room],
                                  prefix: messagePrefix(room: roomNames[seats[client.index].room])))
        }
        return joinedCount == seats.count
    }

    private func joinPayload(room: String) -> [UInt8] {
        switch framing {
        case .json:
            return JSONValue.object(JSONObject([("type", "join_room"), ("room_id", .string(room)), ("request_id", "join")]))
                .serialized()
        case .socketIO:
            return SocketIOFanoutScenario.joinEvent(room: room, ackID: Self.joinAckID)
        }
    }

    private func messagePrefix(room: String) -> [UInt8] {
        var prefix = Array((framing == .json ? "{\"type\":\"cursor_move\",\"room\":" : "42[\"cursor_move\",{\"room\":").utf8)
        JSONWriter.appendString(room, to: &prefix)
        prefix.append(contentsOf: ",\"x\":1,\"y\":2,\"cell\":\"A1\",\"meta\":{\"sid\":".utf8)
        return prefix
    }

    /// Runs one step and returns its figures. `watch` samples process CPU around the test window.
    func step(_ step: Step, watch: CPUWatch? = nil) -> JSONObject {
        window = step.window
        sent = 0; sentInTest = 0; skipped = 0; windowTimeouts = 0; delivered = 0; deliveredInTest = 0
        expectedDeliveries = 0; stale = 0
        latency = LatencyHistogram()
        let now = BenchClock.now()
        let interval = step.rate > 0 ? 1e9 / step.rate : 0
        for index in senders.indices {
            // Whatever is still on its way from the last step is no longer waited for.
            senders[index].acked = senders[index].nextSeq
            senders[index].lastProgress = now
            senders[index].nextDue = now + UInt64(interval * Double(index) / Double(max(senders.count, 1)))
            senders[index].slotSeq = Array(repeating: .max, count: window)
            senders[index].slotCount = Array(repeating: 0, count: window)
        }
        let before = watch?.sample()
        testEnd = .max
        testStart = BenchClock.now()
        pool.run(until: testStart + BenchClock.nanoseconds(step.seconds), tickMs: step.rate > 0 ? 1 : 5) { now in
            pump(now: now, interval: interval)
            return true
        }
        testEnd = BenchClock.now()
        let cpu = before.flatMap { watch?.since($0) }
        let drainStart = BenchClock.now()
        var lastCount = delivered
        var lastChange = drainStart
        pool.run(until: drainStart + BenchClock.nanoseconds(step.drain)) { now in
            if delivered != lastCount {
                lastCount = delivered
                lastChange = now
            }
            return delivered < expectedDeliveries && now - lastChange < 1_000_000_000
        }
        let seconds = max(1e-9, Double(testEnd - testStart) / 1e9)
        var figures = BenchReport()
        figures.set("window", step.window)
        if step.rate > 0 { figures.set("rate_per_sender", step.rate) }
        figures.set("senders", senders.count)
        figures.set("duration_s", seconds, places: 3)
        figures.set("sent", sent)
        figures.set("sent_per_s", Double(sentInTest) / seconds)
        figures.set("delivered", delivered)
        figures.set("expected", expectedDeliveries)
        figures.set("delivery_ratio", expectedDeliveries > 0 ? Double(delivered) / Double(expectedDeliveries) : 0, places: 4)
        figures.set("delivered_per_s", Double(deliveredInTest) / seconds)
        figures.latency("lat", latency)
        if skipped > 0 { figures.set("skipped_sends", skipped) }
        if windowTimeouts > 0 { figures.set("window_timeouts", windowTimeouts) }
        if stale > 0 { figures.set("stale", stale) }
        if let cpu { figures.set("cpu_s", .object(cpu)) }
        Progress.say("  window \(step.window)" + (step.rate > 0 ? ", \(Int(step.rate)) msg/s per sender" : "")
                     + ": sent \(Int(Double(sentInTest) / seconds))/s, delivered \(Int(Double(deliveredInTest) / seconds))/s"
                     + " (\(delivered)/\(expectedDeliveries)), p50 \(latency.quantile(0.5) / 1000) µs p99 \(latency.quantile(0.99) / 1000) µs")
        return figures.object
    }

    /// Closes every connection and returns the run's counters (errors, close codes).
    func finish() -> JSONObject { finishClients(seats.count) }

    private func pump(now: UInt64, interval: Double) {
        for index in senders.indices where senders[index].client.isOpen {
            var inFlight = senders[index].nextSeq - senders[index].acked
            if inFlight > 0, now &- senders[index].lastProgress > Self.stallRelease {
                windowTimeouts += 1
                senders[index].acked = senders[index].nextSeq
                senders[index].lastProgress = now
                inFlight = 0
            }
            let room = window - Int(inFlight)
            var count = room
            if interval > 0 {
                var due = 0
                while senders[index].nextDue <= now, due < 1000 {
                    due += 1
                    senders[index].nextDue += UInt64(interval)
                }
                if due > room { skipped += due - room }
                count = min(due, room)
            }
            for _ in 0..<max(0, count) { send(index) }
        }
    }

    private func send(_ index: Int) {
        let seq = senders[index].nextSeq
        senders[index].nextSeq += 1
        let slot = Int(seq % UInt64(window))
        senders[index].slotSeq[slot] = seq
        senders[index].slotCount[slot] = 0
        payload.removeAll(keepingCapacity: true)
        payload.append(contentsOf: senders[index].prefix)
        JSONWriter.appendInteger(Int64(index), to: &payload)
        payload.append(contentsOf: ",\"seq\":".utf8)
        JSONWriter.appendInteger(Int64(seq), to: &payload)
        payload.append(contentsOf: ",\"ts\":".utf8)
        JSONWriter.appendInteger(Int64(BenchClock.now()), to: &payload)
        payload.append(contentsOf: (framing == .json ? "}}" : "}}]").utf8)
        pool.sendText(senders[index].client, payload)
        sent += 1
        expectedDeliveries += senders[index].expected
        if testEnd == .max { sentInTest += 1 }
    }

    // MARK: - Messages

    override func received(_ client: BenchClient, type: Range<Int>, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        guard JSONFieldScanner.equals(text, type, "cursor_moved") else { return }
        cursor(client, text, object: 0..<text.count, now: now)
    }

    override func clientReceived(_ client: BenchClient, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        guard framing == .socketIO else { return super.clientReceived(client, text: text, now: now) }
        lastFrameAt = now
        let packet = SocketIOPacketScanner.classify(text, 0..<text.count)
        switch packet {
        case .event(_, let name, let arguments):
            if JSONFieldScanner.equals(text, name, "cursor_moved") { cursor(client, text, object: arguments, now: now) }
        default:
            _ = handleSocketIOControl(client, text, packet, joinAckID: Self.joinAckID, tokenFor: tokenFor, now: now)
        }
    }

    private func cursor(_ client: BenchClient, _ text: UnsafeBufferPointer<UInt8>, object: Range<Int>, now: UInt64) {
        guard isReader[client.index], let stamp = CursorStamp.read(text, object: object) else { return }
        guard testStart != .max, stamp.ts >= testStart, stamp.ts <= now else {
            stale += 1
            return
        }
        latency.record(now - stamp.ts)
        delivered += 1
        if testEnd == .max { deliveredInTest += 1 }
        acknowledge(sender: stamp.sid, seq: stamp.seq, now: now)
    }

    private func acknowledge(sender: UInt64, seq: UInt64, now: UInt64) {
        guard sender < UInt64(senders.count) else { return }
        let index = Int(sender)
        guard seq >= senders[index].acked, seq < senders[index].nextSeq else { return }
        let size = UInt64(window)
        let slot = Int(seq % size)
        guard senders[index].slotSeq[slot] == seq else { return }
        senders[index].slotCount[slot] += 1
        var moved = false
        while senders[index].acked < senders[index].nextSeq,
              senders[index].slotCount[Int(senders[index].acked % size)] >= senders[index].expected {
            senders[index].acked += 1
            moved = true
        }
        if moved { senders[index].lastProgress = now }
    }
}
