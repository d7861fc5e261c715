import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineStore

/// Notifications (SPEC §8): stored rows, filtered subscriptions with the unread backlog,
/// read state shared across a user's connections, and creation through REST. Owns no maps:
/// rows live in the store, each subscription's filter on its session. Loop thread only.
final class NotificationService {
    /// The server outlives its services.
    unowned(unsafe) let server: Server

    init(server: Server) {
        self.server = server
    }

    func registerHandlers(on router: MessageRouter) {
        router.on("subscribe_notifications") { [unowned self] session, message in try self.subscribe(session, message) }
        router.on("notification_read") { [unowned self] session, message in try self.markRead(session, message) }
    }

    static let maxBacklog = 200

    private func subscribe(_ session: ClientSession, _ message: IncomingMessage) throws {
        let categories = try message.optionalStringList("categories") ?? []
        let modules = try message.optionalStringList("modules") ?? []
        let priorities = try message.optionalStringList("priorities") ?? []
        for priority in priorities where !NotificationFilter.priorities.contains(priority) {
            throw MessageError.invalid("priorities", "may contain only low, normal, high or critical (got '\(priority.prefix(32))')")
        }
        for (field, list) in [("categories", categories), ("modules", modules)] where list.contains(where: { $0.isEmpty || $0.utf8.count > 64 }) {
            throw MessageError.invalid(field, "must contain non-empty strings of at most 64 bytes")
        }
        let filter = NotificationFilter(categories: categories, modules: modules, priorities: priorities)
        // Live notifications match from now on; the backlog covers what came before.
        session.collab.notificationFilter = filter
        let userID = session.user.id
        let sessionID = session.id
        let requestID = message.requestID
        let limit = Self.maxBacklog
        server.store.reader.submit({ db in try NotificationStore.list(db, userId: userID, unreadOnly: true, limit: limit) },
                                   completion: server.onLoop { [unowned self] (result: Result<[NotificationRecord], Error>) in
            guard let session = self.server.sessions[sessionID] else { return }
            switch result {
            case .success(let records):
                let unread = records.filter { filter.matches(category: $0.category, module: $0.moduleName, priority: $0.priority.rawValue) }
                session.send(OutgoingMessage("notifications_subscribed", [
                    ("filters", ["categories": .array(categories.map { .string($0) }), "modules": .array(modules.map { .string($0) }),
                                 "priorities": .array(priorities.map { .string($0) })]),
                    ("unread", .array(unread.map(Self.notificationJSON))),
                ], requestID: requestID))
            case .failure(let error):
                session.send(error: self.server.storeFailure(error, user: session.user), requestID: requestID)
            }
        })
    }

    private func markRead(_ session: ClientSession, _ message: IncomingMessage) throws {
        let notificationID = try message.string("notification_id", maxLength: 128)
        let user = session.user
        let sessionID = session.id
        let requestID = message.requestID
        let now = Timestamp.nowMilliseconds()
        server.store.writer.submit({ db in try NotificationStore.markRead(db, id: notificationID, userId: user.id, now: now) },
                                   completion: server.onLoop { [unowned self] (result: Result<MarkReadOutcome, Error>) in
            let session = self.server.sessions[sessionID]
            switch result {
            case .success(.notFound):
                session?.send(error: MessageError(.NOT_FOUND, "no notification '\(notificationID)' for you"), requestID: requestID)
            case .success(let outcome):
                let fields: [(String, JSONValue)] = [
                    ("event_type", "notification_read"), ("notification_id", .string(notificationID)), ("user_id", .string(user.id)),
                ]
                // Persisted: every connection of the user learns it (the sender's copy is its acknowledgement).
                session?.send(OutgoingMessage("notification_event", fields, requestID: requestID))
                if outcome == .marked {
                    let frame = OutgoingMessage("notification_event", fields)
                    self.server.sessions.send(frame, toUser: user.id, except: session)
                }
            case .failure(let error):
                session?.send(error: self.server.storeFailure(error, user: user), requestID: requestID)
            }
        })
    }

    static func notificationJSON(_ record: NotificationRecord) -> JSONValue {
        [
            "id": .string(record.id), "user_id": .string(record.userId), "title": .string(record.title),
            "message": .string(record.message), "category": .string(record.category),
            "priority": .string(record.priority.rawValue), "module_name": JSONValue(record.moduleName),
            "created_at": .string(Timestamp.iso8601(milliseconds: record.createdAt)),
            "read_at": record.readAt.map { .string(Timestamp.iso8601(milliseconds: $0)) } ?? .null,
        ]
    }

    /// Sends a stored notification to the user's connections whose filters match; returns how many.
    /// To the user's subscribed connections on this node.
    func deliver(_ frame: OutgoingMessage, userID: String, category: String, module: String?, priority: String) -> Int {
        var delivered = 0
        for session in server.sessions.sessions(of: userID) {
            guard let filter = session.collab.notificationFilter,
                  filter.matches(category: category, module: module, priority: priority)
            else { continue }
            if session.send(frame) { delivered += 1 }
        }
        return delivered
    }

    /// To the user's connections on every node (SPEC §15); `completion` gets the total.
    func deliverEverywhere(_ record: NotificationRecord, eventType: String, completion: @escaping (Int) -> Void) {
        let frame = OutgoingMessage("notification_event", [
            ("event_type", .string(eventType)), ("notification", Self.notificationJSON(record)), ("user_id", .string(record.userId)),
        ])
        let local = deliver(frame, userID: record.userId, category: record.category, module: record.moduleName,
                            priority: record.priority.rawValue)
        var fields: [(String, JSONValue)] = [("user", .string(record.userId)), ("category", .string(record.category)),
                                             ("priority", .string(record.priority.rawValue))]
        if let module = record.moduleName { fields.append(("module", .string(module))) }
        server.deliveredEverywhere(local, call: "notification", fields, body: frame.json, completion: completion)
    }

    // MARK: REST

    /// `POST /api/v1/ws/broadcast/notification?event_type=…`: persist, then deliver.
    func createNotification(_ request: RESTRequest, respond: @escaping (HTTPResponse) -> Void) {
        guard let body = request.jsonObjectBody(respond: respond) else { return }
        func text(_ field: String, required: Bool, max: Int) -> String?? {
            guard let value = body[field], !value.isNull else {
                if required { respond(.jsonError(status: 400, code: "INVALID_MESSAGE", text: "field '\(field)' is required")) }
                return required ? .none : .some(nil)
            }
            guard let string = value.stringValue, !string.isEmpty, string.utf8.count <= max else {
                respond(.jsonError(status: 400, code: "INVALID_MESSAGE", text: "field '\(field)' must be a non-empty string of at most \(max) bytes"))
                return .none
            }
            return .some(string)
        }
        guard let userID = text("user_id", required: true, max: 256), let userID,
              let title = text("title", required: true, max: 512), let title,
              let messageText = text("message", required: true, max: 16 * 1024), let messageText,
              let category = text("category", required: false, max: 64),
              let moduleName = text("module_name", required: false, max: 64),
              let priorityText = text("priority", required: false, max: 16) else { return }
        guard let priority = NotificationPriority(rawValue: priorityText ?? "normal") else {
            return respond(.jsonError(status: 400, code: "INVALID_MESSAGE", text: "field 'priority' must be low, normal, high or critical"))
        }
        let eventType = request.head.query.flatMap { HTTPQuery.value("event_type", in: $0) } ?? "notification_created"
        guard !eventType.isEmpty, eventType.utf8.count <= 64, eventType.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            return respond(.jsonError(status: 400, code: "INVALID_MESSAGE", text: "query 'event_type' must be a word of at most 64 characters"))
        }
        let now = Timestamp.nowMilliseconds()
        let categoryValue = category ?? "general"
        server.store.writer.submit({ db in
            try NotificationStore.create(db, userId: userID, title: title, message: messageText, category: categoryValue,
                                         priority: priority, moduleName: moduleName, now: now)
        }, completion: server.onLoop { [unowned self] (result: Result<NotificationRecord, Error>) in
            switch result {
            case .success(let record):
                self.deliverEverywhere(record, eventType: eventType) { delivered in
                    respond(.json(status: 201, ["notification_id": .string(record.id), "delivered": JSONValue(delivered)]))
                }
            case .failure(let error):
                self.server.log(.error, "store_failed", [("error", .string("\(error)"))])
                respond(.jsonError(status: 500, code: "INTERNAL_ERROR", text: "the notification could not be stored"))
            }
        })
    }

    /// `GET /api/v1/notifications[?unread=true]`: the caller's notifications, newest first.
    func listNotifications(_ request: RESTRequest, caller: User, respond: @escaping (HTTPResponse) -> Void) {
        let query = request.head.query ?? ""
        let unreadText = HTTPQuery.value("unread", in: query)
        guard unreadText == nil || unreadText == "true" || unreadText == "false" else {
            return respond(.jsonError(status: 400, code: "INVALID_MESSAGE", text: "query 'unread' must be true or false"))
        }
        let unreadOnly = unreadText == "true"
        server.store.reader.submit({ db in try NotificationStore.list(db, userId: caller.id, unreadOnly: unreadOnly, limit: 500) },
                                   completion: server.onLoop { [unowned self] (result: Result<[NotificationRecord], Error>) in
            switch result {
            case .success(let records):
                respond(.json(status: 200, ["notifications": .array(records.map(Self.notificationJSON))]))
            case .failure(let error):
                self.server.log(.error, "store_failed", [("error", .string("\(error)"))])
                respond(.jsonError(status: 500, code: "INTERNAL_ERROR", text: "could not read notifications"))
            }
        })
    }
}
