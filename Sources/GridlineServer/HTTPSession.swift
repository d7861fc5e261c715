import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// A connection while it speaks HTTP/1.1: parses requests (pipelined ones answered in order),
/// enforces the header/idle timeouts and body caps, routes, and upgrades to WebSocket.
/// Loop thread only.
final class HTTPSession: ConnectionDelegate {
    let connection: Connection
    unowned let server: Server
    private var parser = HTTPRequestParser()
    private var head: HTTPRequestHead?
    private var endpoint: Endpoint?
    private var params: [String: String] = [:]
    private var body: [UInt8] = []
    private var awaitingResponse = false
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
                body.append(contentsOf: UnsafeRawBufferPointer(
                    rebasing: bytes[(chunkStart + range.lowerBound)..<(chunkStart + range.upperBound)]))
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
        deadline = 0
        head = requestHead
        body = []
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
        // curl and browsers wait for this before sending large bodies (RFC 9110 §10.1.1).
        if requestHead.expectsContinue, (requestHead.contentLength ?? 0) <= parser.maxBodyBytes ?? 0 {
            connection.write(HTTPResponse.continueBytes)
        }
    }

    /// Returns true when the connection became a WebSocket.
    private func finishRequest() -> Bool {
        guard let requestHead = head else { return false }
        head = nil
        let request = RESTRequest(head: requestHead, params: params, body: body, peer: connection.peerAddress)
        body = []
        if endpoint == .websocket {
            return server.upgrade(self, request: request)
        }
        awaitingResponse = true
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
        server.httpSessionClosed(self)
    }
}
