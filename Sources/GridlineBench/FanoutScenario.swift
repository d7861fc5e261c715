import GridlineJSON

/// `fanout`: cursor traffic in one room. `--clients` join `--room`; `--senders` of them send
/// `cursor_move` stamped in `meta` with sender id, sequence number and CLOCK_MONOTONIC send
/// time. The server relays `meta` unchanged in `cursor_moved` to everyone else in the room,
/// so every receiver can time each delivery and tell whose message it was.
///
/// With `--rate 0` each sender keeps up to `--window` messages unacknowledged, a message
/// being acknowledged once every other joined client has it: the offered load follows what
/// the server can deliver. With `--rate R` each sender sends R msg/s on a fixed schedule;
/// sends that would overflow the window are skipped and counted instead of queued, so a slow
/// server shows up as skips and latency rather than as an ever-growing backlog.
class FanoutScenario: ScenarioRun {
    /// How a `cursor_move` travels: a JSON message (`/api/v1/ws`) or a Socket.IO event.
    enum Framing {
        case json
        case socketIOEvent
    }

    private struct Sender {
        let client: BenchClient
        var nextSeq: UInt64 = 0
        var acked: UInt64 = 0
        var nextDue: UInt64
        var lastProgress: UInt64
        /// Ring of the last `window` messages: which seq a slot holds and how many got it.
        var slotSeq: [UInt64]
        var slotCount: [Int]
    }

    /// A window that has not moved for this long is released: its messages were lost (e.g.
    /// dropped by the server's cursor rate limit) and would otherwise stop the sender for good.
    private static let stallRelease: UInt64 = 2_000_000_000

    private var senders: [Sender] = []
    private var receiversPerMessage = 0
    private var testStart: UInt64 = .max
    private var testEnd: UInt64 = .max
    private var sent = 0
    private var sentInTest = 0
    private var skipped = 0
    private var windowTimeouts = 0
    private var delivered = 0
    private var deliveredInTest = 0
    private var tsOutOfRange = 0
    private var withoutStamp = 0
    private var latency = LatencyHistogram()
    /// The server's CPU seconds around the test window: on a shared machine, deliveries per
    /// server CPU second compare servers better than deliveries per wall-clock second.
    private var serverCPUAtTestStart: Double?
    private var serverCPUAtTestEnd: Double?
    private let messagePrefix: [UInt8]
    private let messageSuffix: [UInt8]
    private var payload: [UInt8] = []

    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens, framing: Framing = .json) {
        // Everything before the sender id is the same for every message.
        var prefix: [UInt8]
        switch framing {
        case .json:
            prefix = Array("{\"type\":\"cursor_move\",\"room\":".utf8)
            messageSuffix = Array("}}".utf8)
        case .socketIOEvent:
            // Engine.IO message `4`, Socket.IO EVENT `2`: the event is named by the type (SPEC §12).
            prefix = Array("42[\"cursor_move\",{\"room\":".utf8)
            messageSuffix = Array("}}]".utf8)
        }
        JSONWriter.appendString(options.room, to: &prefix)
        prefix.append(contentsOf: ",\"x\":1,\"y\":2,\"cell\":\"A1\",\"meta\":{\"sid\":".utf8)
        messagePrefix = prefix
        super.init(options: options, pool: pool, tokens: tokens, joinOnOpen: true)
    }

    /// Between the connect and the join phase: a protocol's own admission step (Socket.IO CONNECT).
    func afterConnect() {}

    override func run() {
        connectPhase()
        afterConnect()
        joinPhase(timeout: options.joinTimeout)
        settlePhase(maxSeconds: options.settle)
        let ready = pool.clients.filter { $0.isOpen && joined[$0.index] }
        if ready.count >= 2 {
            startSenders(ready)
            testPhase()
            drainPhase()
        } else {
            pool.stats.count("too_few_joined_clients")
            Progress.say("fewer than 2 clients joined the room: nothing to fan out")
        }
        if let cursorRate = serverLimit("cursor_rate"), delivered < expected, options.rate == 0 {
            Progress.say("hint: \(expected - delivered) deliveries missing; the server drops cursor_move past"
                         + " WEBSOCKET_CURSOR_RATE=\(Int(cursorRate))/s per connection (raise it for load tests)")
        }
        fanoutReport()
        closePhase()
        reportTrailer()
        let seconds = testSeconds
        Progress.say("sent \(sent) (\(Int(Double(sentInTest) / seconds))/s), delivered \(delivered)/\(expected)"
                     + " (\(Int(Double(deliveredInTest) / seconds))/s), latency p50 \(latency.quantile(0.5) / 1000) µs"
                     + " p99 \(latency.quantile(0.99) / 1000) µs max \(latency.max / 1000) µs")
    }

    private var expected: Int { sent * receiversPerMessage }
    private var testSeconds: Double { testEnd == .max || testStart == .max ? 1 : max(1e-9, Double(testEnd - testStart) / 1e9) }

    private func startSenders(_ ready: [BenchClient]) {
        let count = min(options.senders, ready.count)
        receiversPerMessage = ready.count - 1
        let now = BenchClock.now()
        let interval = options.rate > 0 ? 1e9 / options.rate : 0
        for index in 0..<count {
            // Spread over the room and, at a fixed rate, over the first interval.
            let client = ready[index * ready.count / count]
            senders.append(Sender(
                client: client, nextDue: now + UInt64(interval * Double(index) / Double(count)), lastProgress: now,
                slotSeq: Array(repeating: .max, count: options.window), slotCount: Array(repeating: 0, count: options.window)))
        }
        if let cursorRate = serverLimit("cursor_rate"), options.rate > cursorRate {
            Progress.say("hint: the server drops cursor_move past WEBSOCKET_CURSOR_RATE=\(Int(cursorRate))/s per"
                         + " connection; raise it on the server for load tests")
        }
        Progress.say("fan-out: \(count) senders, \(receiversPerMessage) receivers per message, "
                     + (options.rate > 0 ? "\(options.rate) msg/s per sender" : "window \(options.window)")
                     + ", \(options.duration) s")
    }

    private func testPhase() {
        serverCPUAtTestStart = options.serverPID.flatMap { ServerProcess.cpuSeconds(pid: $0) }
        testStart = BenchClock.now()
        var lastReport = testStart
        pool.run(until: testStart + BenchClock.nanoseconds(options.duration), tickMs: options.rate > 0 ? 1 : 10) { now in
            pump(now: now)
            if now - lastReport >= 1_000_000_000 {
                lastReport = now
                Progress.say("  \(Int(Double(now - testStart) / 1e9)) s: sent \(sent), delivered \(delivered)")
            }
            return true
        }
        testEnd = BenchClock.now()
        serverCPUAtTestEnd = options.serverPID.flatMap { ServerProcess.cpuSeconds(pid: $0) }
    }

    /// Waits for what is still on its way, up to `--drain` or until nothing arrived for 1 s.
    private func drainPhase() {
        let start = BenchClock.now()
        var lastCount = delivered
        var lastChange = start
        pool.run(until: start + BenchClock.nanoseconds(options.drain)) { now in
            if delivered != lastCount {
                lastCount = delivered
                lastChange = now
            }
            return delivered < expected && now - lastChange < 1_000_000_000
        }
    }

    private func pump(now: UInt64) {
        let interval = options.rate > 0 ? UInt64(1e9 / options.rate) : 0
        for index in senders.indices {
            guard senders[index].client.isOpen else { continue }
            var inFlight = senders[index].nextSeq - senders[index].acked
            if inFlight > 0, now &- senders[index].lastProgress > Self.stallRelease {
                windowTimeouts += 1
                senders[index].acked = senders[index].nextSeq
                senders[index].lastProgress = now
                inFlight = 0
            }
            let room = options.window - Int(inFlight)
            var count = room
            if interval > 0 {
                var due = 0
                // Capped so a stalled loop catches up over several passes, not in one burst.
                while senders[index].nextDue <= now, due < 1000 {
                    due += 1
                    senders[index].nextDue += interval
                }
                if due > room { skipped += due - room }
                count = min(due, room)
            }
            for _ in 0..<max(0, count) { send(from: index) }
        }
    }

    private func send(from index: Int) {
        let seq = senders[index].nextSeq
        senders[index].nextSeq += 1
        let slot = Int(seq % UInt64(options.window))
        senders[index].slotSeq[slot] = seq
        senders[index].slotCount[slot] = 0
        payload.removeAll(keepingCapacity: true)
        payload.append(contentsOf: messagePrefix)
        JSONWriter.appendInteger(Int64(index), to: &payload)
        payload.append(contentsOf: ",\"seq\":".utf8)
        JSONWriter.appendInteger(Int64(seq), to: &payload)
        payload.append(contentsOf: ",\"ts\":".utf8)
        // Stamped as late as possible: the time in the queue is ours, not the server's.
        JSONWriter.appendInteger(Int64(BenchClock.now()), to: &payload)
        payload.append(contentsOf: messageSuffix)
        pool.sendText(senders[index].client, payload)
        sent += 1
        if testEnd == .max { sentInTest += 1 }
    }

    override func received(_ client: BenchClient, type: Range<Int>, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        guard JSONFieldScanner.equals(text, type, "cursor_moved") else { return }
        receivedCursor(text, object: 0..<text.count, now: now)
    }

    /// A `cursor_moved` whose message object spans `object` in `text`: timed and acknowledged.
    final func receivedCursor(_ text: UnsafeBufferPointer<UInt8>, object: Range<Int>, now: UInt64) {
        guard let stamp = CursorStamp.read(text, object: object) else {
            withoutStamp += 1
            return
        }
        // Only our own stamps from this run: anything else is someone else's cursor.
        guard stamp.ts >= testStart, stamp.ts <= now else {
            tsOutOfRange += 1
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
        let window = UInt64(options.window)
        let slot = Int(seq % window)
        guard senders[index].slotSeq[slot] == seq else { return }
        senders[index].slotCount[slot] += 1
        var moved = false
        while senders[index].acked < senders[index].nextSeq,
              senders[index].slotCount[Int(senders[index].acked % window)] >= receiversPerMessage {
            senders[index].acked += 1
            moved = true
        }
        if moved { senders[index].lastProgress = now }
    }

    private func fanoutReport() {
        reportHeader()
        let seconds = testSeconds
        report.set("senders", senders.count)
        report.set("rate_per_sender", options.rate)
        report.set("window", options.window)
        report.set("duration_s", testEnd == .max ? 0 : seconds, places: 3)
        report.set("receivers_per_msg", receiversPerMessage)
        report.set("sent", sent)
        report.set("sent_per_s", Double(sentInTest) / seconds)
        report.set("skipped_sends", skipped)
        report.set("window_timeouts", windowTimeouts)
        report.set("delivered", delivered)
        report.set("expected", expected)
        report.set("delivery_ratio", expected > 0 ? Double(delivered) / Double(expected) : 0, places: 4)
        report.set("delivered_per_s", Double(deliveredInTest) / seconds)
        if let start = serverCPUAtTestStart, let end = serverCPUAtTestEnd {
            report.set("server_cpu_test_s", end - start, places: 2)
            report.set("delivered_per_server_cpu_s", end > start ? Double(deliveredInTest) / (end - start) : 0, places: 0)
        }
        report.latency("lat", latency)
        report.set("ts_out_of_range", tsOutOfRange)
        report.set("cursor_without_meta", withoutStamp)
        if let cursorRate = serverLimit("cursor_rate") { report.set("server_cursor_rate", cursorRate) }
    }
}
