import Dispatch
import Foundation
import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineStore
import GridlineFormula

/// A running job's cancel flag, set on the loop and read by the worker between chunks.
final class AIJobControl: @unchecked Sendable {  // `cancelled` is guarded by `lock`
    private let lock = NSLock()
    private var cancelled = false

    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// What the loop knows about a job until it finishes.
struct RunningAIJob {
    let control: AIJobControl
    let user: User
    var lastProgress = 0
    var lastPersistedProgress = 0
}

/// AI streaming (SPEC §7): jobs are stored, run off the loop on worker threads in chunks,
/// and stream `ai_event`s to every connection of the requester.
final class AIService: @unchecked Sendable {  // `jobs` is loop-thread only; workers hop back with `loop.execute`
    static let maxJobsPerUser = 3
    static let tooManyJobs = MessageError(.RATE_LIMIT_EXCEEDED,
                                          "at most \(maxJobsPerUser) AI jobs may run at once; wait for one to finish")

    /// The server outlives its services.
    unowned(unsafe) let server: Server
    /// Running jobs by `key(user, request_id)`.
    private var jobs: [String: RunningAIJob] = [:]
    private let workers = DispatchQueue(label: "gridline-ai", attributes: .concurrent)
    private let provider: AIProvider

    init(server: Server) {
        self.server = server
        self.provider = server.settings.aiProvider == "failing" ? FailingProvider() : StatisticsProvider()
    }

    func registerHandlers(on router: MessageRouter) {
        router.on("ai_request") { [unowned self] session, message in try self.startJob(session, message) }
        router.on("ai_cancel") { [unowned self] session, message in
            let requestID = try message.string("request_id", maxLength: 64)
            guard let job = self.jobs[Self.key(session.user.id, requestID)] else {
                throw MessageError(.NOT_FOUND, "no running AI job '\(requestID)'")
            }
            job.control.cancel()
        }
    }

    static func key(_ user: String, _ request: String) -> String { user + "\u{0}" + request }

    private func startJob(_ session: ClientSession, _ message: IncomingMessage) throws {
        let requestID = try message.string("request_id", maxLength: 64)
        let query = try message.string("query", maxLength: 4000)
        let sheet = try server.cells.joinedSheet(session, message)
        var rangeText: String?
        if let context = try message.optionalObject("context"), let raw = context["table_range"], !raw.isNull {
            guard let text = raw.stringValue else { throw MessageError.invalid("context.table_range", "must be a string like A1:B20") }
            rangeText = text
        }
        let range: CellRange?
        do {
            range = try CellRange.tableRange(rangeText)
        } catch {
            throw MessageError.invalid("context.table_range", error.description)
        }
        let user = session.user
        let key = Self.key(user.id, requestID)
        guard jobs[key] == nil else { throw MessageError.invalid("request_id", "is already a running AI job") }
        let running = jobs.values.filter { $0.user.id == user.id }.count
        guard running < Self.maxJobsPerUser else {
            server.stats.rateLimitEvents += 1
            throw Self.tooManyJobs
        }
        let control = AIJobControl()
        jobs[key] = RunningAIJob(control: control, user: user)
        let now = Timestamp.nowMilliseconds()
        let started = Date()
        let provider = self.provider
        let runner = server.cluster.map { AIJobRunner(nodeID: $0.nodeID, incarnation: $0.incarnation) }
        // In a cluster the user's jobs on other nodes count too: the shared database knows them
        // all, and the writer's transaction makes the count and the insert one step.
        let maxRunning = runner == nil ? nil : Self.maxJobsPerUser
        server.store.writer.submit({ db in
            try AIJobStore.create(db, requestId: requestID, userId: user.id, sheetId: sheet.id, query: query,
                                  tableRange: range?.text, now: now, runner: runner, maxRunning: maxRunning)
        }, completion: server.onLoop { [unowned self] (result: Result<AIJobRecord, Error>) in
            if case .failure(let error) = result {
                self.jobs[key] = nil
                let refusal: MessageError
                if case .duplicate? = error as? StoreError {
                    refusal = MessageError.invalid("request_id", "was already used for an AI job")
                } else if case .tooManyRunningJobs? = error as? StoreError {
                    self.server.stats.rateLimitEvents += 1
                    refusal = Self.tooManyJobs
                } else {
                    refusal = self.server.storeFailure(error, user: user)
                }
                self.sendToUser(user.id, OutgoingMessage.error(refusal, requestID: requestID))
                return
            }
            self.sendAIEvent("ai_start", user: user, requestID: requestID,
                             data: ["query": .string(query), "sheet_id": .string(sheet.id), "table_range": JSONValue(range?.text)])
            // Read the cells, then analyse on a worker: neither touches the loop.
            self.server.store.reader.submit({ db in try CellStore.snapshot(db, sheetId: sheet.id) }) { [unowned self] snapshot in
                self.workers.async {
                    self.runJob(provider: provider, snapshot: snapshot, query: query, range: range, control: control,
                                  key: key, user: user, requestID: requestID, started: started)
                }
            }
        })
    }

    /// Runs on an AI worker thread.
    private func runJob(provider: AIProvider, snapshot: Result<SheetSnapshot, Error>, query: String,
                                      range: CellRange?, control: AIJobControl, key: String, user: User,
                                      requestID: String, started: Date) {
        var outcome: (status: AIJobStatus, result: JSONValue?, error: String?)
        do {
            let cells = try snapshot.get().cells.compactMap { cell in
                SheetCell(a1: cell.cellId).map { AICell(address: $0, valueJSON: cell.valueJSON) }
            }
            let request = AIAnalysisRequest(query: query, range: range, cells: cells)
            let analysis = try provider.analyze(request, progress: { [unowned self] progress, status in
                self.server.loop.execute { self.progress(key: key, requestID: requestID, progress: progress, status: status) }
            }, isCancelled: { control.isCancelled })
            let seconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
            outcome = (.complete, ["result": .string(analysis.result), "processing_time": .number(seconds),
                                   "figures": analysis.figures], nil)
        } catch AIProviderError.cancelled {
            outcome = (.cancelled, nil, nil)
        } catch let error as AIProviderError {
            outcome = (.error, nil, error.description)
        } catch {
            outcome = (.error, nil, "the sheet could not be read")
        }
        let now = Timestamp.nowMilliseconds()
        let resultText = outcome.result.map { String(decoding: $0.serialized(), as: UTF8.self) }
        let final = outcome
        server.store.writer.submit({ db in
            try AIJobStore.finish(db, userId: user.id, requestId: requestID, status: final.status, resultJSON: resultText,
                                  error: final.error, now: now)
        }, completion: { [unowned self] _ in
            self.server.loop.execute { self.finishJob(key: key, user: user, requestID: requestID, status: final.status,
                                                 result: final.result, error: final.error) }
        })
    }

    private func progress(key: String, requestID: String, progress: Int, status: String) {
        guard var job = jobs[key], progress > job.lastProgress || progress == 0 else { return }
        job.lastProgress = progress
        if progress - job.lastPersistedProgress >= 10 {
            job.lastPersistedProgress = progress
            let userID = job.user.id
            server.store.writer.submit({ db in
                try AIJobStore.updateProgress(db, userId: userID, requestId: requestID, progress: progress)
            }, completion: { _ in })
        }
        jobs[key] = job
        sendAIEvent("ai_progress", user: job.user, requestID: requestID,
                    data: ["progress": JSONValue(progress), "status": .string(status)])
    }

    private func finishJob(key: String, user: User, requestID: String, status: AIJobStatus, result: JSONValue?, error: String?) {
        jobs[key] = nil
        switch status {
        case .complete: sendAIEvent("ai_complete", user: user, requestID: requestID, data: result ?? [:])
        case .cancelled: sendAIEvent("ai_cancelled", user: user, requestID: requestID, data: ["reason": "cancelled by the user"])
        default: sendAIEvent("ai_error", user: user, requestID: requestID, data: ["error": .string(error ?? "the analysis failed")])
        }
    }

    private func sendAIEvent(_ eventType: String, user: User, requestID: String, data: JSONValue) {
        sendToUser(user.id, OutgoingMessage("ai_event", [
            ("event_type", .string(eventType)), ("request_id", .string(requestID)), ("user_id", .string(user.id)), ("data", data),
        ]))
    }

    /// Sends one frame to every open connection of a user, and keeps it for their detached
    /// Socket.IO sessions.
    @discardableResult
    private func sendToUser(_ userID: String, _ message: OutgoingMessage) -> Int {
        if server.engineIO.recovery.isLogging { server.engineIO.recovery.record(message, user: userID) }
        return server.sessions.send(message, toUser: userID)
    }

    /// `GET /api/v1/ai/jobs/{request_id}`: the caller's job, e.g. after a reconnect.
    func getAIJob(_ request: RESTRequest, caller: User, respond: @escaping (HTTPResponse) -> Void) {
        let requestID = request.params["request_id"] ?? ""
        server.store.reader.submit({ db in try AIJobStore.get(db, userId: caller.id, requestId: requestID) },
                                   completion: server.onLoop { [unowned self] (result: Result<AIJobRecord?, Error>) in
            switch result {
            case .success(let job?):
                var object = JSONObject([("request_id", .string(job.requestId)), ("status", .string(job.status.rawValue)),
                                         ("progress", JSONValue(job.progress)), ("query", .string(job.query)),
                                         ("sheet_id", JSONValue(job.sheetId)), ("table_range", JSONValue(job.tableRange))])
                if let live = self.jobs[Self.key(caller.id, requestID)] { object["progress"] = JSONValue(live.lastProgress) }
                if let text = job.resultJSON, let stored = try? JSONParser.parse(Array(text.utf8)).objectValue {
                    object["result"] = stored["result"]
                    object["processing_time"] = stored["processing_time"]
                    object["figures"] = stored["figures"]
                }
                if let error = job.error { object["error"] = .string(error) }
                respond(.json(status: 200, .object(object)))
            case .success(nil):
                respond(.jsonError(status: 404, code: "NOT_FOUND", text: "no AI job '\(requestID)' of yours"))
            case .failure(let error):
                respond(self.server.restStoreFailure(error))
            }
        })
    }
}
