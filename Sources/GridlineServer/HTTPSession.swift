import Glibc
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// A connection while it speaks HTTP/1.1: parses requests (pipelined ones answered in order),
/// enforces the header/idle timeouts and body caps, routes, and upgrades to WebSocket.
/// Loop thread only.
final class HTTPSession: ConnectionDelegate {
    let connection: Connection
    unowned(unsafe) let server: Server
    private var parser = HTTPRequestParser()
    private var head: HTTPRequestHead?
    private var endpoint: Endpoint?
    private var params: [String: String] = [:]
    private var body: [UInt8] = []
    private var awaitingResponse = false
    /// The file a PUT body streams into, while one does.
    private var sink: UploadSink?
    /// A file being sent as a response body, while one is.
    private var download: Int32 = -1
    /// The request is for Engine.IO (`/socket.io/`), which routes itself.
    private var isEngineIO = false
    /// Told when the connection closes while a long-poll holds its response.
    var onClose: (() -> Void)?
    /// Loop-clock deadline for the current phase (waiting for a head, or idle keep-alive); 0 = none.
    private(set) var deadline: UInt64

    init(connection: Connection, server: Server) {
        self.connection = connection
        self.server = server
        self.deadline = server.loop.now + UInt64(server.settings.headerTimeout * 1e9)
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        // The parser may have an event (e.g. `.end`) ready with no input left, so loop on events.
        while !awaitingResponse, !connection.isClosing {
            if head == nil, parser.isIdle, offset < bytes.count {
                // First byte of a new request: the whole head must arrive within the header timeout.
                deadline = server.loop.now + UInt64(server.settings.headerTimeout * 1e9)
            }
            let consumed: Int
            let event: HTTPParseEvent?
            do {
                (consumed, event) = try parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            } catch {
                if let sink {
                    self.sink = nil
                    server.uploads.abortUpload(sink)
                }
                fail(status: error.status, code: error.status == 413 ? "PAYLOAD_TOO_LARGE" : "INVALID_MESSAGE",
                     text: error.reason)
                return bytes.count
            }
            let chunkStart = offset
            offset += consumed
            guard let event else { break }
            switch event {
            case .head(let requestHead):
                begin(requestHead)
            case .body(let range):
                // A body may be long (uploads) but must keep moving: stalled for the idle timeout, it ends.
                deadline = server.loop.now + UInt64(server.settings.idleTimeout * 1e9)
                let chunk = UnsafeRawBufferPointer(rebasing: bytes[(chunkStart + range.lowerBound)..<(chunkStart + range.upperBound)])
                if let sink {
                    guard sink.write(chunk) else {
                        self.sink = nil
                        server.uploads.abortUpload(sink)
                        fail(status: 500, code: "INTERNAL_ERROR", text: "could not write the upload")
                        return bytes.count
                    }
                    server.uploads.uploadProgressed(sink)
                } else {
                    body.append(contentsOf: chunk)
                }
            case .end:
                if finishRequest() {
                    // The rest of the buffer is already WebSocket frames.
                    if let session = connection.delegate, offset < bytes.count {
                        offset += session.connection(connection, didRead: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                    }
                    return offset
                }
            }
        }
        return connection.isClosing ? bytes.count : offset
    }

    private func begin(_ requestHead: HTTPRequestHead) {
        deadline = requestHead.hasBody ? server.loop.now + UInt64(server.settings.idleTimeout * 1e9) : 0
        head = requestHead
        body = []
        isEngineIO = requestHead.path == EngineIOService.path
        if isEngineIO {
            endpoint = nil
            params = [:]
            // maxPayload (SPEC §12): a longer POST gets 413 and leaves the session as it was.
            parser.maxBodyBytes = Int64(server.settings.maxMessageBytes)
            if requestHead.expectsContinue, (requestHead.contentLength ?? 0) <= parser.maxBodyBytes ?? 0 {
                connection.write(HTTPResponse.continueBytes)
            }
            return
        }
        switch server.restRouter.match(method: requestHead.method, path: requestHead.path) {
        case .found(let found, let foundParams):
            endpoint = found
            params = foundParams
            parser.maxBodyBytes = Int64(found.bodyCap)
        case .methodNotAllowed, .notFound:
            endpoint = nil
            params = [:]
            parser.maxBodyBytes = 64 * 1024  // read and drop a small body so the connection stays usable
        }
        if endpoint == .putUpload {
            holdBodyForUpload(requestHead)
            return
        }
        // curl and browsers wait for this before sending large bodies (RFC 9110 §10.1.1).
        if requestHead.expectsContinue, (requestHead.contentLength ?? 0) <= parser.maxBodyBytes ?? 0 {
            connection.write(HTTPResponse.continueBytes)
        }
    }

    /// A PUT's body waits until the server has checked the upload; then it streams to disk.
    private func holdBodyForUpload(_ requestHead: HTTPRequestHead) {
        awaitingResponse = true
        server.uploads.prepareUpload(requestHead, params: params) { [weak self, unowned server] admission in
            guard let self, !self.connection.isClosing else {
                if case .accept(let sink) = admission { server.uploads.abortUpload(sink) }
                return
            }
            switch admission {
            case .accept(let sink):
                self.sink = sink
                self.parser.maxBodyBytes = sink.declaredSize
                if requestHead.expectsContinue { self.connection.write(HTTPResponse.continueBytes) }
                self.awaitingResponse = false
                self.connection.resumeReading()
            case .refuse(let response):
                self.head = nil
                self.finish(response, keepAlive: false)
            }
        }
    }

    /// Sends a file as the response body in chunks, each after the previous one was written.
    func streamFile(path: String, contentType: String, keepAlive: Bool) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        var info = stat()
        guard fd >= 0, fstat(fd, &info) == 0 else {
            if fd >= 0 { close(fd) }
            return finish(.jsonError(status: 404, code: "NOT_FOUND", text: "the stored file is missing"), keepAlive: keepAlive)
        }
        var head = HTTPResponse(status: 200)
        head.headers.set("Content-Type", contentType)
        if !keepAlive { head.headers.set("Connection", "close") }
        var bytes: [UInt8] = []
        head.serializeHead(contentLength: Int64(info.st_size), into: &bytes)
        connection.write(bytes)
        download = fd
        connection.onDrained = { [weak self] in self?.pumpDownload(keepAlive: keepAlive) }
        pumpDownload(keepAlive: keepAlive)
    }

    private func pumpDownload(keepAlive: Bool) {
        guard download >= 0 else { return }
        let chunk = ByteChunk(count: 256 * 1024) { _ in }
        let n = read(download, UnsafeMutableRawPointer(mutating: chunk.pointer), chunk.count)
        if n > 0 {
            connection.write(n == chunk.count ? chunk : ByteChunk(Array(UnsafeRawBufferPointer(start: chunk.pointer, count: n))))
            return
        }
        close(download)
        download = -1
        connection.onDrained = nil
        if n < 0 {
            connection.close()  // the length was promised; a short body must not look complete
            return
        }
        responseFinished(keepAlive: keepAlive)
    }

    /// Returns true when the connection became a WebSocket.
    private func finishRequest() -> Bool {
        guard let requestHead = head else { return false }
        head = nil
        deadline = 0  // the server is working on it; the idle clock restarts after the response
        let request = RESTRequest(head: requestHead, params: params, body: body, peer: connection.peerAddress)
        body = []
        if endpoint == .websocket {
            return server.upgrade(self, request: request)
        }
        awaitingResponse = true
        if isEngineIO {
            return server.engineIO.handle(request, http: self)
        }
        if let sink {
            self.sink = nil
            server.uploads.finishUpload(sink) { [weak self] response in self?.finish(response, keepAlive: requestHead.keepAlive) }
            return false
        }
        if endpoint == .getUpload {
            server.uploads.download(request, http: self)
            return false
        }
        server.handle(request, endpoint: endpoint) { [weak self] response in
            self?.finish(response, keepAlive: requestHead.keepAlive)
        }
        return false
    }

    /// Writes a response; pipelined requests already buffered are taken up again after it.
    func finish(_ response: HTTPResponse, keepAlive: Bool) {
        guard !connection.isClosed else { return }
        var bytes: [UInt8] = []
        var response = response
        if !keepAlive { response.headers.set("Connection", "close") }
        response.serialize(into: &bytes)
        connection.write(bytes)
        responseFinished(keepAlive: keepAlive)
    }

    /// Writes a response whose body is `chunks` back to back (a long-poll's packets, shared with
    /// other recipients), without copying them into one buffer.
    func finish(head response: HTTPResponse, chunks: [ByteChunk], keepAlive: Bool) {
        guard !connection.isClosed else { return }
        var response = response
        if !keepAlive { response.headers.set("Connection", "close") }
        var bytes: [UInt8] = []
        response.serializeHead(contentLength: Int64(chunks.reduce(0) { $0 + $1.count }), into: &bytes)
        connection.write(bytes)
        for chunk in chunks { connection.write(chunk) }
        responseFinished(keepAlive: keepAlive)
    }

    private func responseFinished(keepAlive: Bool) {
        onClose = nil
        awaitingResponse = false
        if !keepAlive {
            connection.closeAfterWriting()
        } else {
            deadline = server.loop.now + UInt64(server.settings.idleTimeout * 1e9)
            connection.resumeReading()
        }
    }

    /// Answers an unrecoverable request error and closes: the byte stream can't be trusted after it.
    func fail(status: Int, code: String, text: String, headers: [(String, String)] = []) {
        var response = HTTPResponse.jsonError(status: status, code: code, text: text)
        for (name, value) in headers { response.headers.set(name, value) }
        awaitingResponse = true
        finish(response, keepAlive: false)
    }

    /// Called by the once-a-second sweep.
    func checkDeadline(now: UInt64) {
        guard deadline != 0, now >= deadline, !connection.isClosing else { return }
        server.log(.info, "http_timeout", connection: connection.id, [("peer", .string(connection.peerAddress))])
        connection.close()
    }

    func connectionDidClose(_ connection: Connection) {
        if let onClose {
            self.onClose = nil
            onClose()
        }
        if let sink {
            self.sink = nil
            server.uploads.abortUpload(sink)
        }
        if download >= 0 {
            close(download)
            download = -1
        }
        server.httpSessionClosed(self)
    }
}
