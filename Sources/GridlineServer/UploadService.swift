import Foundation
import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineStore

/// Uploads (SPEC §8): `file_upload_start` makes a record, `PUT {upload_url}` streams the bytes
/// to disk with progress events, `GET` serves them back. Clients uploading elsewhere report
/// progress and completion themselves, which is relayed and recorded. Loop thread only.
final class UploadService {
    /// The server outlives its services.
    unowned(unsafe) let server: Server
    /// Uploads whose PUT body is streaming right now.
    private(set) var activeUploads = Set<String>()

    init(server: Server) {
        self.server = server
    }

    var uploadDirectory: String { server.settings.dataDirectory + "/uploads" }

    func registerHandlers(on router: MessageRouter) {
        router.on("file_upload_start") { [unowned self] session, message in try self.startUpload(session, message) }
        router.on("file_upload_progress") { [unowned self] session, message in try self.clientReportedProgress(session, message) }
        router.on("file_upload_complete") { [unowned self] session, message in try self.clientReportedComplete(session, message) }
    }

    static func uploadURL(_ id: String) -> String { "/api/v1/uploads/\(id)" }

    // MARK: WebSocket messages

    private func startUpload(_ session: ClientSession, _ message: IncomingMessage) throws {
        let fileID = try message.optionalString("file_id", maxLength: 64) ?? RandomID.make(prefix: "upl_")
        guard ChosenID.isValid(fileID) else {
            throw MessageError.invalid("file_id", "must be 1–64 characters of A–Z, a–z, 0–9, '-', '_' or '.'")
        }
        let filename = try message.string("filename", maxLength: 255)
        guard !filename.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw MessageError.invalid("filename", "must not contain control characters")
        }
        let size = try message.integer("file_size", in: 0...Int64.max)
        guard size <= server.settings.uploadMaxBytes else {
            throw MessageError.invalid("file_size", "must be at most \(server.settings.uploadMaxBytes) bytes (UPLOAD_MAX_BYTES)")
        }
        let mime = try message.string("mime_type", maxLength: 127)
        guard mime.contains("/"), mime.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw MessageError.invalid("mime_type", "must look like type/subtype")
        }
        let room = try message.optionalString("room", maxLength: 64)
        if let room, !session.collab.rooms.contains(room) {
            throw MessageError(.NOT_IN_ROOM, "join room '\(room)' before uploading to it")
        }
        let user = session.user
        let sessionID = session.id
        let requestID = message.requestID
        let now = Timestamp.nowMilliseconds()
        server.store.writer.submit({ db -> UploadRecord in
            // A failed (interrupted) upload may be started again under the same id.
            if let existing = try UploadStore.get(db, id: fileID), existing.userId == user.id, existing.status == .failed {
                try UploadStore.restart(db, id: fileID)
                return try UploadStore.get(db, id: fileID) ?? existing
            }
            return try UploadStore.create(db, id: fileID, userId: user.id, filename: filename, mimeType: mime,
                                          declaredSize: size, roomId: room, now: now)
        }, completion: server.onLoop { [unowned self] (result: Result<UploadRecord, Error>) in
            let session = self.server.sessions[sessionID]
            switch result {
            case .success(let record):
                session?.send(OutgoingMessage("file_upload_started", [
                    ("file_id", .string(record.id)), ("upload_url", .string(Self.uploadURL(record.id))),
                    ("filename", .string(record.filename)), ("file_size", JSONValue(record.declaredSize)),
                ], requestID: requestID))
            case .failure(let error):
                if case .duplicate? = error as? StoreError {
                    session?.send(error: MessageError.invalid("file_id", "is already used by another upload"), requestID: requestID)
                } else {
                    session?.send(error: self.server.storeFailure(error, user: user), requestID: requestID)
                }
            }
        })
    }

    /// The uploader's connections and the upload's room, each connection once.
    func sendUploadEvent(_ frame: OutgoingMessage, user: String, room: String?, except: ClientSession? = nil) {
        var reached = Set<ObjectIdentifier>()
        if let except { reached.insert(ObjectIdentifier(except)) }
        for session in server.sessions.sessions(of: user) where reached.insert(ObjectIdentifier(session)).inserted {
            session.send(frame)
        }
        if let room, let live = server.rooms[room] {
            for member in live.members where reached.insert(ObjectIdentifier(member)).inserted { member.send(frame) }
        }
    }

    /// Looks up an upload the sender owns, then runs `body` on the loop with it.
    private func withOwnUpload(_ session: ClientSession, _ message: IncomingMessage,
                               _ body: @escaping (ClientSession, UploadRecord) -> Void) throws {
        let fileID = try message.string("file_id", maxLength: 64)
        let user = session.user
        let sessionID = session.id
        let requestID = message.requestID
        server.store.reader.submit({ db in try UploadStore.get(db, id: fileID) },
                                   completion: server.onLoop { [unowned self] (result: Result<UploadRecord?, Error>) in
            guard let session = self.server.sessions[sessionID] else { return }
            switch result {
            case .success(let record?) where record.userId == user.id:
                body(session, record)
            case .success:
                session.send(error: MessageError(.NOT_FOUND, "no upload '\(fileID)' of yours"), requestID: requestID)
            case .failure(let error):
                session.send(error: self.server.storeFailure(error, user: user), requestID: requestID)
            }
        })
    }

    private func clientReportedProgress(_ session: ClientSession, _ message: IncomingMessage) throws {
        let bytes = try message.integer("bytes_uploaded", in: 0...Int64.max)
        let total = try message.integer("total_bytes", in: 0...Int64.max)
        guard bytes <= total else { throw MessageError.invalid("bytes_uploaded", "must not exceed total_bytes") }
        let percentage = try message.body["percentage"].map { value throws(MessageError) -> Double in
            guard let number = value.doubleValue, (0...100).contains(number) else {
                throw MessageError.invalid("percentage", "must be a number from 0 to 100")
            }
            return number
        } ?? (total == 0 ? 100 : Double(bytes) * 100 / Double(total))
        try withOwnUpload(session, message) { [unowned self] session, record in
            let fileID = record.id
            self.server.store.writer.submit({ db in try UploadStore.recordProgress(db, id: fileID, bytesReceived: bytes) },
                                            completion: { _ in })
            self.sendUploadEvent(OutgoingMessage("file_upload_progress", [
                ("file_id", .string(fileID)), ("bytes_uploaded", JSONValue(bytes)), ("total_bytes", JSONValue(total)),
                ("percentage", .number(percentage)), ("user_id", .string(record.userId)),
            ]), user: record.userId, room: record.roomId, except: session)
        }
    }

    private func clientReportedComplete(_ session: ClientSession, _ message: IncomingMessage) throws {
        let url = try message.optionalString("url", maxLength: 2048)
        try withOwnUpload(session, message) { [unowned self] session, record in
            let fileID = record.id
            let now = Timestamp.nowMilliseconds()
            // Stored elsewhere: no local file, so the stored name stays empty and GET answers 404.
            if record.status != .complete {
                self.server.store.writer.submit({ db in
                    try UploadStore.complete(db, id: fileID, storedName: "", bytesReceived: record.declaredSize, now: now)
                }, completion: { _ in })
            }
            let link: JSONValue = record.status == .complete && record.storedName?.isEmpty == false
                ? .string(Self.uploadURL(fileID)) : JSONValue(url)
            self.sendUploadEvent(OutgoingMessage("file_upload_complete", [
                ("file_id", .string(fileID)), ("filename", .string(record.filename)), ("url", link),
                ("user_id", .string(record.userId)),
            ]), user: record.userId, room: record.roomId, except: session)
        }
    }

    // MARK: PUT (streamed to disk)

    enum UploadAdmission {
        case accept(UploadSink)
        case refuse(HTTPResponse)
    }

    /// Decides whether a PUT may stream its body, before any body byte is read.
    func prepareUpload(_ head: HTTPRequestHead, params: [String: String], answer: @escaping (UploadAdmission) -> Void) {
        let caller: User
        switch server.admission.authorize(head.headers, requireAdmin: false) {
        case .success(let user): caller = user
        case .failure(let refusal):
            return answer(.refuse(.jsonError(status: refusal.status, code: refusal.code.rawValue, text: refusal.text)))
        }
        let fileID = params["file_id"] ?? ""
        guard ChosenID.isValid(fileID) else { return answer(.refuse(.jsonError(status: 404, code: "NOT_FOUND", text: "no such upload"))) }
        guard !activeUploads.contains(fileID) else {
            return answer(.refuse(.jsonError(status: 409, code: "INVALID_MESSAGE", text: "upload '\(fileID)' is already receiving bytes")))
        }
        server.store.reader.submit({ db in try UploadStore.get(db, id: fileID) },
                                   completion: server.onLoop { [unowned self] (result: Result<UploadRecord?, Error>) in
            guard case .success(let found) = result, let record = found else {
                return answer(.refuse(.jsonError(status: 404, code: "NOT_FOUND", text: "no upload '\(fileID)'")))
            }
            guard record.userId == caller.id else {
                return answer(.refuse(.jsonError(status: 403, code: "PERMISSION_DENIED", text: "upload '\(fileID)' belongs to another user")))
            }
            guard record.status == .pending || record.status == .uploading else {
                let text = record.status == .complete ? "upload '\(fileID)' is already complete"
                    : "upload '\(fileID)' failed; send file_upload_start again"
                return answer(.refuse(.jsonError(status: 409, code: "INVALID_MESSAGE", text: text)))
            }
            guard !self.activeUploads.contains(fileID) else {
                return answer(.refuse(.jsonError(status: 409, code: "INVALID_MESSAGE", text: "upload '\(fileID)' is already receiving bytes")))
            }
            if let length = head.contentLength, length > min(record.declaredSize, self.server.settings.uploadMaxBytes) {
                self.failUpload(fileID)
                return answer(.refuse(.jsonError(status: 413, code: "PAYLOAD_TOO_LARGE",
                                                 text: "body of \(length) bytes is over the declared file_size \(record.declaredSize)")))
            }
            do {
                try FileManager.default.createDirectory(atPath: self.uploadDirectory, withIntermediateDirectories: true)
                let sink = try UploadSink(fileID: fileID, user: caller.id, filename: record.filename,
                                          declaredSize: record.declaredSize, room: record.roomId, directory: self.uploadDirectory,
                                          storedName: RandomID.make(prefix: "f_", byteCount: 16))
                self.activeUploads.insert(fileID)
                answer(.accept(sink))
            } catch {
                self.server.log(.error, "upload_open_failed", user: caller.id, [("file_id", .string(fileID))])
                answer(.refuse(.jsonError(status: 500, code: "INTERNAL_ERROR", text: "could not store the upload")))
            }
        })
    }

    /// Bytes landed: a progress event when one is due.
    func uploadProgressed(_ sink: UploadSink) {
        let (percent, due) = sink.progressDue(now: server.loop.now)
        guard due else { return }
        let fileID = sink.fileID
        let received = sink.received
        server.store.writer.submit({ db in try UploadStore.recordProgress(db, id: fileID, bytesReceived: received) }, completion: { _ in })
        sendUploadEvent(OutgoingMessage("file_upload_progress", [
            ("file_id", .string(fileID)), ("bytes_uploaded", JSONValue(received)), ("total_bytes", JSONValue(sink.declaredSize)),
            ("percentage", .number(percent)), ("user_id", .string(sink.user)),
        ]), user: sink.user, room: sink.room)
    }

    /// The whole body arrived: make it durable, record it, announce it, answer the PUT.
    func finishUpload(_ sink: UploadSink, respond: @escaping (HTTPResponse) -> Void) {
        guard sink.received == sink.declaredSize else {
            abortUpload(sink)
            return respond(.jsonError(status: 400, code: "INVALID_MESSAGE",
                                      text: "received \(sink.received) bytes but file_size is \(sink.declaredSize)"))
        }
        sink.close()
        let (fileID, partial, final, directory, stored, size) = (sink.fileID, sink.partialPath, sink.finalPath,
                                                                 uploadDirectory, sink.storedName, sink.received)
        let now = Timestamp.nowMilliseconds()
        server.store.writer.submit({ db -> Bool in
            guard persistUploadedFile(partialPath: partial, finalPath: final, directory: directory) else { return false }
            return try UploadStore.complete(db, id: fileID, storedName: stored, bytesReceived: size, now: now)
        }, completion: server.onLoop { [unowned self] (result: Result<Bool, Error>) in
            self.activeUploads.remove(fileID)
            guard case .success(true) = result else {
                unlink(partial)
                unlink(final)
                self.failUpload(fileID)
                return respond(.jsonError(status: 500, code: "INTERNAL_ERROR", text: "could not store the upload"))
            }
            let url = Self.uploadURL(fileID)
            self.sendUploadEvent(OutgoingMessage("file_upload_complete", [
                ("file_id", .string(fileID)), ("filename", .string(sink.filename)), ("url", .string(url)),
                ("user_id", .string(sink.user)), ("size", JSONValue(size)),
            ]), user: sink.user, room: sink.room)
            respond(.json(status: 200, ["file_id": .string(fileID), "url": .string(url), "size": JSONValue(size)]))
        })
    }

    /// The body was cut short or refused: drop the partial file and mark the upload failed.
    func abortUpload(_ sink: UploadSink) {
        sink.discard()
        activeUploads.remove(sink.fileID)
        failUpload(sink.fileID)
        server.log(.info, "upload_failed", user: sink.user,
                   [("file_id", .string(sink.fileID)), ("received", JSONValue(sink.received))])
    }

    private func failUpload(_ fileID: String) {
        let now = Timestamp.nowMilliseconds()
        server.store.writer.submit({ db in try UploadStore.fail(db, id: fileID, now: now) }, completion: { _ in })
    }

    // MARK: GET (streamed from disk)

    /// `GET /api/v1/uploads/{id}` after the user guard.
    func download(_ request: RESTRequest, http: HTTPSession) {
        switch server.admission.authorize(request.head.headers, requireAdmin: false) {
        case .success(let caller):
            serveUpload(request, caller: caller, http: http)
        case .failure(let refusal):
            http.finish(.jsonError(status: refusal.status, code: refusal.code.rawValue, text: refusal.text),
                        keepAlive: request.head.keepAlive)
        }
    }

    /// Serves a completed upload to its owner, an admin, or anyone allowed in its room.
    func serveUpload(_ request: RESTRequest, caller: User, http: HTTPSession) {
        let fileID = request.params["file_id"] ?? ""
        let keepAlive = request.head.keepAlive
        server.store.reader.submit({ db in try UploadStore.get(db, id: fileID) },
                                   completion: server.onLoop { [unowned self] (result: Result<UploadRecord?, Error>) in
            guard case .success(let found) = result, let record = found, record.status == .complete,
                  let stored = record.storedName, !stored.isEmpty else {
                return http.finish(.jsonError(status: 404, code: "NOT_FOUND", text: "no stored upload '\(fileID)'"), keepAlive: keepAlive)
            }
            let allowed = record.userId == caller.id || caller.role == .admin || record.roomId.map(caller.mayJoin) == true
            guard allowed else {
                return http.finish(.jsonError(status: 403, code: "PERMISSION_DENIED", text: "not your upload"), keepAlive: keepAlive)
            }
            http.streamFile(path: self.uploadDirectory + "/" + stored, contentType: record.mimeType, keepAlive: keepAlive)
        })
    }
}
