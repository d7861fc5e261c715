import GridlineCollab
import GridlineJSON

/// Client message type → handler. Each service registers its handlers (`registerHandlers(on:)`);
/// one lookup per message finds the handler, its rate-limit class and its counter, and the
/// per-user write limits (SPEC §5) are checked here. Loop thread only.
final class MessageRouter {
    /// Handlers throw `MessageError` (typed throws in stored closures crashes the 6.3 compiler).
    typealias Handler = (ClientSession, IncomingMessage) throws -> Void

    /// The server outlives the router; unowned(unsafe) keeps refcounting off the dispatch path.
    unowned(unsafe) let server: Server
    private var routes: [String: MessageRoute] = [:]
    private var unknownMessages: UInt64 = 0
    private var writeLimiter: WriteRateLimiter

    init(server: Server) {
        self.server = server
        let settings = server.settings
        self.writeLimiter = WriteRateLimiter(perMinute: settings.requestsPerMinute, perHour: settings.requestsPerHour,
                                             blockSeconds: settings.blockDurationMinutes * 60)
    }

    /// The messages that count against the per-user write limits (SPEC §5).
    static let writeMessageTypes: Set<String> = [
        "cell_update", "cells_update", "ai_request", "file_upload_start", "file_upload_progress",
        "file_upload_complete", "notification_read", "join_room",
    ]

    /// Registers the handler of a client message type.
    func on(_ type: String, _ handle: @escaping Handler) {
        routes[type] = MessageRoute(isWrite: Self.writeMessageTypes.contains(type), handle: handle)
    }

    var registeredTypes: Set<String> { Set(routes.keys) }

    /// Parses one text message and runs its handler; any refusal becomes an `error` frame.
    func dispatch(_ payload: [UInt8], from session: ClientSession) {
        let message: IncomingMessage
        do {
            message = try IncomingMessage.parse(payload)
        } catch {
            return session.send(error: error, requestID: error.requestID)
        }
        dispatch(message, from: session)
    }

    /// Runs a message's handler, whichever transport brought it.
    func dispatch(_ message: IncomingMessage, from session: ClientSession) {
        server.loop.assertInLoop()
        let requestID = message.requestID
        do {
            server.stats.messagesIn += 1
            guard let route = routes[message.type] else {
                unknownMessages += 1
                throw MessageError(.UNKNOWN_MESSAGE_TYPE, "unknown message type '\(message.type.prefix(64))'")
            }
            route.received += 1
            if route.isWrite {
                try checkWriteRate(session)
                try server.cluster?.users.checkRate(session)
            }
            try route.handle(session, message)
        } catch let error as MessageError {
            session.send(error: error, requestID: requestID ?? error.requestID)
        } catch {
            server.log(.error, "handler_failed", connection: session.id, user: session.user.id, [("error", .string("\(error)"))])
            session.send(error: MessageError(.INTERNAL_ERROR, "internal error"), requestID: requestID)
        }
    }

    /// Messages received so far by type (only registered types, so clients can't grow it).
    var messagesByType: [(String, UInt64)] {
        var counts = routes.filter { $0.value.received > 0 }.map { ($0.key, $0.value.received) }
        if unknownMessages > 0 { counts.append(("unknown", unknownMessages)) }
        return counts.sorted { $0.0 < $1.0 }
    }

    /// Forgets idle rate-limit entries so memory stays bounded.
    func sweepLimits(now: UInt64) {
        writeLimiter.sweep(now: now)
    }

    private func checkWriteRate(_ session: ClientSession) throws(MessageError) {
        switch writeLimiter.check(user: session.user.id, now: server.loop.now) {
        case .allowed:
            return
        case .refused(let retryAfter, let window):
            server.stats.rateLimitEvents += 1
            server.log(.warn, "rate_limited", connection: session.id, user: session.user.id, [("window", .string(window))])
            throw MessageError(.RATE_LIMIT_EXCEEDED,
                               "Rate limit exceeded: too many requests per \(window); retry in \(retryAfter) s",
                               extra: [("retry_after", JSONValue(retryAfter))])
        case .blocked(let retryAfter):
            server.stats.rateLimitEvents += 1
            server.log(.warn, "rate_blocked", connection: session.id, user: session.user.id,
                       [("retry_after", JSONValue(retryAfter))])
            throw MessageError(.RATE_LIMIT_EXCEEDED,
                               "Rate limit exceeded repeatedly: blocked; retry in \(retryAfter) s",
                               extra: [("retry_after", JSONValue(retryAfter))])
        }
    }
}

/// A registered message type. Loop thread only.
final class MessageRoute {
    let isWrite: Bool
    let handle: MessageRouter.Handler
    var received: UInt64 = 0

    init(isWrite: Bool, handle: @escaping MessageRouter.Handler) {
        self.isWrite = isWrite
        self.handle = handle
    }
}
