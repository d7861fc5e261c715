import Foundation
import GridlineJSON

/// `formulas`: what server-side formulas (SPEC §14) cost as a client sees it, in one run on
/// fresh sheets of `--room`, with one client:
/// 1. `--rows` constants written directly in `cells_update` batches of 1,000, sequentially (one
///    batch outstanding) and pipelined (`--inflight` outstanding, 8 if 1), as the baseline;
/// 2. a chain of `--rows` cells (`A1` constant, `A<n> = A<n-1>+1`); `--edits` times: edit A1,
///    time to the `recalculated` `cells_updated` (recomputed, committed, broadcast);
/// 3. `B1 = SUM(A1:A<rows>)` and `--range-formulas` cells cycling SUM/AVERAGE/MAX over the
///    same column; `--range-edits` times: edit one cell of the column, time to the broadcast;
/// 4. with `--spawn-server`: restart the server and time the first edit of the chain's sheet
///    (the sheet's formulas are loaded on the first write): first B1 (no dependents), then,
///    after a second restart, A1 (load and the whole chain). The server logs each load as
///    `formula_sheet_loaded` with its duration, which the report copies.
/// Server-side shares come from `/metrics` (writer transaction time, fsync included).
final class FormulasScenario {
    private let options: BenchOptions
    private let address: ServerAddress
    private let settings: ClientPool.Settings
    private let tokens: BenchTokens
    private var report = BenchReport()
    private var server: SpawnedServer?
    private let tag: String
    private var requests = 0
    /// Generous bounds: a 100,000-cell recalculation takes seconds on a slow machine.
    private let longWait = 300.0

    init(options: BenchOptions, address: ServerAddress, settings: ClientPool.Settings, tokens: BenchTokens) {
        self.options = options
        self.address = address
        self.settings = settings
        self.tokens = tokens
        tag = String(UInt64(Date().timeIntervalSince1970 * 1000) % 100_000_000, radix: 36)
    }

    func run() throws(BenchFailure) -> String {
        report.set("tool", "gridline-bench")
        report.set("scenario", "formulas")
        if !options.label.isEmpty { report.set("label", options.label) }
        report.set("rows", options.rows)
        report.set("range_formulas", options.rangeFormulas)
        report.set("batch_cells", FormulaWorkload.batchSize)
        if options.spawnServer { try startServer() }
        defer { finish() }
        let sheets = (constants: "fb-const-\(tag)", chain: "fb-chain-\(tag)", ranges: "fb-range-\(tag)")
        for sheet in [sheets.constants, sheets.chain, sheets.ranges] { try createSheet(sheet) }
        let channel = try openChannel()
        try directWrites(channel, sheet: sheets.constants)
        try chain(channel, sheet: sheets.chain)
        try ranges(channel, sheet: sheets.ranges)
        channel.close(timeout: options.closeTimeout)
        if server != nil {
            try restart(sheet: sheets.chain, firstEdit: "B1", prefix: "restart_b1")
            try restart(sheet: sheets.chain, firstEdit: "A1", prefix: "restart_a1")
        } else {
            report.set("restart", "skipped: needs --spawn-server")
        }
        return report.line
    }

    // MARK: - Phases

    private var window: Int { options.inflight > 1 ? options.inflight : 8 }

    private func directWrites(_ channel: FormulaChannel, sheet: String) throws(BenchFailure) {
        let rows = options.rows
        let insert = try send(channel, FormulaWorkload.constantBatches(sheet: sheet, rows: rows, tag: next()) { Double($0) }, window: 1)
        let sequential = try send(channel, FormulaWorkload.constantBatches(sheet: sheet, rows: rows, tag: next()) { Double($0 * 2) }, window: 1)
        let pipelined = try send(channel, FormulaWorkload.constantBatches(sheet: sheet, rows: rows, tag: next()) { Double($0 * 3) },
                                 window: window)
        report.set("direct_insert_sequential_ms", insert * 1000)
        report.set("direct_write_sequential_ms", sequential * 1000)
        report.set("direct_write_pipelined_ms", pipelined * 1000)
        report.set("direct_write_pipelined_window", window)
        Progress.say("direct: \(rows) constants inserted in \(ms(insert)), rewritten sequentially in \(ms(sequential)),"
                     + " pipelined (\(window) in flight) in \(ms(pipelined))")
    }

    private func chain(_ channel: FormulaChannel, sheet: String) throws(BenchFailure) {
        let build = try send(channel, FormulaWorkload.chainBatches(sheet: sheet, rows: options.rows, tag: next()), window: window)
        report.set("chain_build_ms", build * 1000)
        Progress.say("chain: \(options.rows) cells written in \(ms(build))")
        var recalcs: [Double] = []
        for index in 0..<options.edits {
            let value = Double(10 + index)
            let edit = try timedEdit(channel, sheet: sheet, cell: "A1", value: value, expectRecalculation: true)
            let expected = value + Double(options.rows - 1)
            guard edit.cells == options.rows - 1, Double(edit.lastValue) == expected else {
                throw BenchFailure("chain edit: expected \(options.rows - 1) recalculated cells ending at \(expected),"
                                   + " got \(edit.cells) ending at \(edit.lastValue)")
            }
            recalcs.append(edit.recalculated)
            report.set("chain_edit\(index + 1)_ack_ms", edit.ack * 1000, places: 2)
            report.set("chain_edit\(index + 1)_recalculated_ms", edit.recalculated * 1000)
            if let server = edit.serverSeconds { report.set("chain_edit\(index + 1)_server_txn_ms", server * 1000) }
            if let server = edit.serverWriteSeconds {
                report.set("chain_edit\(index + 1)_server_receipt_to_broadcast_ms", server * 1000)
            }
            report.set("chain_recalculated_bytes", edit.bytes)
            Progress.say("chain edit \(index + 1): ack \(ms(edit.ack)), recalculated \(edit.cells) cells in \(ms(edit.recalculated))"
                         + (edit.serverSeconds.map { " (server transaction \(ms($0)))" } ?? ""))
        }
        let best = recalcs.min() ?? 0
        report.set("chain_edit_best_ms", best * 1000)
        report.set("chain_vs_direct_sequential", best * 1000 / report.number("direct_write_sequential_ms"), places: 2)
        report.set("chain_vs_direct_pipelined", best * 1000 / report.number("direct_write_pipelined_ms"), places: 2)
    }

    private func ranges(_ channel: FormulaChannel, sheet: String) throws(BenchFailure) {
        let rows = options.rows
        let setup = try send(channel, FormulaWorkload.constantBatches(sheet: sheet, rows: rows, tag: next()) { Double($0 % 1000) },
                             window: window)
            + send(channel, FormulaWorkload.rangeFormulaBatches(sheet: sheet, rows: rows, count: options.rangeFormulas, tag: next()),
                   window: 1)
        report.set("range_setup_ms", setup * 1000)
        var client = LatencyHistogram()
        var ack = LatencyHistogram()
        var serverShare = LatencyHistogram()
        var serverWrite = LatencyHistogram()
        for index in 0..<options.rangeEdits {
            // A new maximum each time, so every SUM, AVERAGE and MAX changes.
            let row = (index * 7919) % rows + 1
            let edit = try timedEdit(channel, sheet: sheet, cell: "A\(row)", value: Double(1_000_000 + index), expectRecalculation: true)
            guard edit.cells == options.rangeFormulas + 1 else {
                throw BenchFailure("range edit: expected \(options.rangeFormulas + 1) recalculated cells, got \(edit.cells)")
            }
            client.record(UInt64(edit.recalculated * 1e9))
            ack.record(UInt64(edit.ack * 1e9))
            if let server = edit.serverSeconds { serverShare.record(UInt64(server * 1e9)) }
            if let server = edit.serverWriteSeconds { serverWrite.record(UInt64(server * 1e9)) }
        }
        report.latency("range_edit_recalculated", client, quantiles: BenchReport.shortQuantiles)
        report.latency("range_edit_ack", ack, quantiles: BenchReport.shortQuantiles)
        report.latency("range_edit_server_txn", serverShare, quantiles: BenchReport.shortQuantiles)
        report.latency("range_edit_server_receipt_to_broadcast", serverWrite, quantiles: BenchReport.shortQuantiles)
        report.set("range_edit_min_us", Double(client.min) / 1000)
        Progress.say("range edits (\(options.rangeEdits)): recalculated p50 \(client.quantile(0.5) / 1000) µs,"
                     + " max \(client.max / 1000) µs; server receipt → broadcast p50 \(serverWrite.quantile(0.5) / 1000) µs,"
                     + " transaction p50 \(serverShare.quantile(0.5) / 1000) µs")
    }

    private func restart(sheet: String, firstEdit cell: String, prefix: String) throws(BenchFailure) {
        guard let server else { return }
        let stopped = server.stop(timeout: 30)
        let start = BenchClock.now()
        try server.start(timeout: 60)
        report.set("\(prefix)_stop_s", stopped, places: 3)
        report.set("\(prefix)_start_s", Double(BenchClock.now() - start) / 1e9, places: 3)
        let channel = try openChannel()
        defer { channel.close(timeout: options.closeTimeout) }
        let loadsBefore = server.logEvents("formula_sheet_loaded").count
        let edit = try timedEdit(channel, sheet: sheet, cell: cell, value: 5, expectRecalculation: cell == "A1")
        report.set("\(prefix)_first_edit_ack_ms", edit.ack * 1000)
        if cell == "A1" { report.set("\(prefix)_first_edit_recalculated_ms", edit.recalculated * 1000) }
        if let serverSeconds = edit.serverSeconds { report.set("\(prefix)_server_txn_ms", serverSeconds * 1000) }
        let load = server.logEvents("formula_sheet_loaded").dropFirst(loadsBefore).last { $0["sheet_id"] as? String == sheet }
        if let duration = load?["duration_ms"] as? Double { report.set("\(prefix)_sheet_load_ms", duration) }
        if let formulas = load?["formulas"] as? Int { report.set("\(prefix)_sheet_formulas", formulas) }
        Progress.say("restart, first edit \(cell): ack \(ms(edit.ack))"
                     + (cell == "A1" ? ", recalculated \(ms(edit.recalculated))" : "")
                     + ", sheet load \(load?["duration_ms"] ?? "?") ms")
    }

    // MARK: - Steps

    private struct TimedEdit {
        var ack: Double
        var recalculated: Double
        var cells: Int
        var bytes: Int
        var lastValue: String
        var serverSeconds: Double?
        /// The server's own receipt → broadcast (`gridline_cell_write_seconds`).
        var serverWriteSeconds: Double?
    }

    /// One `cell_update`, timed from the send to its own broadcast and to the recalculation's.
    private func timedEdit(_ channel: FormulaChannel, sheet: String, cell: String, value: Double,
                           expectRecalculation: Bool) throws(BenchFailure) -> TimedEdit {
        let before = CommitTotals.read(address, hostHeader: options.host)
        channel.forgetAnswers()
        let requestID = next()
        let sentAt = BenchClock.now()
        channel.send(FormulaWorkload.edit(sheet: sheet, cell: cell, value: value, requestID: requestID))
        let done = channel.wait(timeout: longWait) {
            channel.answer(requestID) != nil && (!expectRecalculation || !channel.recalculations.isEmpty)
        }
        guard done, let answer = channel.answer(requestID) else { throw BenchFailure("no answer to the edit of \(cell) in \(longWait) s") }
        if let code = answer.errorCode { throw BenchFailure("the edit of \(cell) was refused: \(code)") }
        let recalculation = channel.recalculations.first
        if let recalculation, recalculation.causeSeq != answer.lastSeq {
            throw BenchFailure("recalculation cause_seq \(recalculation.causeSeq) is not the edit's seq \(answer.lastSeq)")
        }
        let after = CommitTotals.read(address, hostHeader: options.host)
        var serverSeconds: Double?
        if let before, let after, after.count == before.count + 1 { serverSeconds = after.seconds - before.seconds }
        return TimedEdit(
            ack: Double(answer.receivedAt - sentAt) / 1e9,
            recalculated: recalculation.map { Double($0.receivedAt - sentAt) / 1e9 } ?? 0,
            cells: recalculation?.cellCount ?? 0, bytes: recalculation?.bytes ?? 0, lastValue: recalculation?.lastValue ?? "",
            serverSeconds: serverSeconds, serverWriteSeconds: CommitTotals.writeSeconds(from: before, to: after))
    }

    /// Sends `batches` with at most `window` unanswered; returns the seconds from the first send
    /// to the last answer. Any refusal ends the run.
    private func send(_ channel: FormulaChannel, _ batches: [JSONValue], window: Int) throws(BenchFailure) -> Double {
        let ids = batches.map { $0.objectValue?["request_id"]?.stringValue ?? "" }
        let payloads = batches.map { $0.serialized() }
        channel.forgetAnswers()
        let start = BenchClock.now()
        var sent = 0
        var answered = 0
        let finished = channel.wait(timeout: longWait) {
            while answered < sent, channel.answer(ids[answered]) != nil { answered += 1 }
            while sent < payloads.count, sent - answered < window {
                channel.pool.sendText(channel.client, payloads[sent])
                sent += 1
            }
            return answered == payloads.count
        }
        let seconds = Double(BenchClock.now() - start) / 1e9
        guard finished else { throw BenchFailure("\(payloads.count - answered) of \(payloads.count) batches unanswered in \(longWait) s") }
        for id in ids {
            if let code = channel.answer(id)?.errorCode { throw BenchFailure("batch \(id) refused: \(code) (see the hints in --help)") }
        }
        return seconds
    }

    // MARK: - Set-up

    private func startServer() throws(BenchFailure) {
        let directory = options.dataDir ?? NSTemporaryDirectory() + "gridline-formulas-bench-\(getpid())-\(tag)"
        if FileManager.default.fileExists(atPath: directory + "/gridline.sqlite") {
            throw BenchFailure("--data-dir \(directory) already has a database: the scenario needs a fresh one")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["JWT_SECRET_KEY"] = String(decoding: tokens.secret, as: UTF8.self)
        environment["GRIDLINE_LOG_LEVEL"] = "info"
        environment["WEBSOCKET_MAX_MESSAGE_BYTES"] = String(1 << 20)
        environment["WEBSOCKET_REQUESTS_PER_MINUTE"] = "10000000"
        environment["WEBSOCKET_REQUESTS_PER_HOUR"] = "100000000"
        let server = try SpawnedServer(address: address, dataDirectory: directory, environment: environment)
        try server.start(timeout: 60)
        self.server = server
        report.set("server", "spawned")
        report.set("data_dir", directory)
        Progress.say("started gridline serve (pid \(server.pid)) on \(address.text):\(address.port), data in \(directory)")
    }

    private func finish() {
        guard let server else { return }
        server.stop(timeout: 30)
        if options.dataDir == nil { try? FileManager.default.removeItem(atPath: server.dataDirectory) }
    }

    private func createSheet(_ sheet: String) throws(BenchFailure) {
        let body = JSONValue.object(JSONObject([("sheet_id", .string(sheet)), ("name", .string(sheet))])).serialized()
        let response = AdminHTTP.post(address, hostHeader: options.host, path: "/api/v1/rooms/\(options.room)/sheets",
                                      token: tokens.admin(), json: body, timeoutSeconds: 10)
        guard let response, response.status == 201 else {
            throw BenchFailure("cannot create sheet \(sheet) in room \(options.room): HTTP \(response?.status ?? 0) "
                               + String(decoding: response?.body ?? [], as: UTF8.self))
        }
    }

    private func openChannel() throws(BenchFailure) -> FormulaChannel {
        let channel = try FormulaChannel(settings: settings, token: tokens.client(0), room: options.room)
        try channel.open(timeout: options.joinTimeout)
        return channel
    }

    private func next() -> String {
        requests += 1
        return "f\(requests)"
    }

    private func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
}

extension BenchReport {
    /// A number already set, for ratios between phases.
    fileprivate func number(_ key: String) -> Double { object[key]?.doubleValue ?? .nan }
}
