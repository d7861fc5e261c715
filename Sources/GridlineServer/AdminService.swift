import Foundation
import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// Operator endpoints about the live server (SPEC §9): health, discovery, stats, rooms,
/// broadcasts, force-disconnect, `/metrics`; and the samples they report (the loop's lag and
/// the message rate, taken every 250 ms). Loop thread only.
final class AdminService {
    /// The server outlives its services.
    unowned(unsafe) let server: Server
    private(set) var loopLag = LoopLag()
    private var messageRateSampler = RateSampler()

    init(server: Server) {
        self.server = server
    }

    /// `GET /api/v1/health`.
    func health(storageOK: Bool) -> JSONValue {
        var object = JSONObject([
            ("status", "ok"),
            ("storage", .string(storageOK ? "ok" : "down")),
            ("version", .string(Server.version)),
            ("uptime_seconds", JSONValue(uptimeSeconds)),
        ])
        // Only in a cluster (SPEC §15).
        if let cluster = server.cluster {
            object.members.append(("redis", .string(cluster.redisIsUp ? "ok" : "down")))
            object.members.append(("node_id", .string(cluster.nodeID)))
        }
        return .object(object)
    }

    func wsHealth() -> JSONValue {
        [
            "status": "ok", "connections": JSONValue(server.sessions.count), "rooms_active": JSONValue(server.rooms.activeCount),
            "event_loop_lag_ms": .number((loopLag.lastMilliseconds * 1000).rounded() / 1000),
        ]
    }

    func wsConfig() -> JSONValue {
        [
            "websocket_config": [
                "version": .string(Server.version),
                "features": [
                    "rooms": true, "presence": true, "cursors": true, "typing_indicators": true,
                    "versioned_cells": true, "batch_updates": true, "sync": true, "ai_streaming": true,
                    "notifications": true, "file_uploads": true, "binary_messages": false, "compression": false,
                ],
                "endpoints": ["websocket": "/api/v1/ws", "health": "/api/v1/ws/health", "metrics": "/metrics"],
                "connection_limits": [
                    "max_message_bytes": JSONValue(server.settings.maxMessageBytes),
                    "max_connections_per_user": JSONValue(server.settings.maxConnectionsPerUser),
                    "connect_rate_per_10s": JSONValue(server.settings.connectRate),
                    "requests_per_minute": JSONValue(server.settings.requestsPerMinute),
                    "requests_per_hour": JSONValue(server.settings.requestsPerHour),
                    "block_duration_minutes": .number(server.settings.blockDurationMinutes),
                    "cursor_rate_per_second": JSONValue(server.settings.cursorRate),
                    "send_buffer_bytes": JSONValue(server.settings.sendBufferBytes),
                    "upload_max_bytes": JSONValue(Int(server.settings.uploadMaxBytes)),
                    "ping_interval_seconds": .number(server.settings.pingInterval),
                    "ping_timeout_seconds": .number(server.settings.pingTimeout),
                    "typing_timeout_seconds": .number(server.settings.typingTimeout),
                ],
                "token_sources": ["query:token", "header:Authorization: Bearer", "subprotocol:bearer"],
            ],
        ]
    }

    var uptimeSeconds: Int { Int(Date().timeIntervalSince(server.stats.startedAt)) }

    func wsStats() -> JSONObject {
        JSONObject([
            ("total_connections", JSONValue(server.sessions.count)), ("authenticated_connections", JSONValue(server.sessions.count)),
            ("rooms_active", JSONValue(server.rooms.activeCount)),
            ("messages_per_second", .number((messagesPerSecond * 100).rounded() / 100)),
            ("uptime_seconds", JSONValue(uptimeSeconds)),
        ])
    }

    func wsStatsDetailed() -> JSONValue {
        var object = wsStats()
        let byType = server.router.messagesByType.map { ($0.0, JSONValue(Int($0.1))) }
        let byCode = server.stats.errorsByCode.sorted { $0.key < $1.key }.map { ($0.key, JSONValue(Int($0.value))) }
        let rss = Self.residentBytes()
        object.members.append(contentsOf: [
            ("http_connections", JSONValue(server.httpSessions.count)),
            ("connections_accepted", JSONValue(Int(server.stats.connectionsAccepted))),
            ("handshakes_refused", JSONValue(Int(server.stats.handshakesRefused))),
            ("messages_received", JSONValue(Int(server.stats.messagesIn))),
            ("messages_by_type", .object(JSONObject(byType))),
            ("frames_sent", JSONValue(Int(server.stats.framesOut))),
            ("errors_by_code", .object(JSONObject(byCode))),
            ("rate_limit_events", JSONValue(Int(server.stats.rateLimitEvents))),
            ("dropped_signals", JSONValue(Int(server.stats.droppedSignals))),
            ("dropped_frames", JSONValue(Int(server.stats.droppedFrames))),
            ("slow_consumers_closed", JSONValue(Int(server.stats.slowConsumers))),
            ("bytes_in", JSONValue(Int(server.loop.bytesRead))), ("bytes_out", JSONValue(Int(server.loop.bytesWritten))),
            ("event_loop_lag_ms", .number((loopLag.lastMilliseconds * 1000).rounded() / 1000)),
            ("database", databaseFigures()),
            ("memory", ["rss_bytes": JSONValue(rss), "open_connections": JSONValue(server.loop.connectionCount)] as JSONValue),
        ])
        if let cluster = server.cluster {
            object.members.append(("cluster", [
                "node_id": .string(cluster.nodeID), "redis": .string(cluster.redisIsUp ? "ok" : "down"),
                "owned_shards": JSONValue(cluster.ownership.ownedShards.count),
                "forwards_sent": JSONValue(Int(server.stats.forwardsSent)), "gap_repairs": JSONValue(Int(server.stats.gapRepairs)),
                "messages_refused": JSONValue(Int(server.stats.clusterForgeries)),
            ]))
        }
        return .object(object)
    }

    func databaseFigures() -> JSONValue {
        let db = server.store.writer.metrics()
        let meanMs = db.commitLatencyCount == 0 ? 0 : db.commitLatencySumSeconds / Double(db.commitLatencyCount) * 1000
        return [
            "commits": JSONValue(db.commits), "failed_commits": JSONValue(db.failedCommits),
            "operations": JSONValue(db.operations), "last_group_size": JSONValue(db.lastGroupSize),
            "average_group_size": .number((db.averageGroupSize * 100).rounded() / 100),
            "largest_group_size": JSONValue(db.largestGroupSize), "queue_depth": JSONValue(db.queueDepth),
            "mean_commit_ms": .number((meanMs * 1000).rounded() / 1000),
        ]
    }

    /// Resident set size from /proc/self/statm (pages × page size).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    func wsRooms() -> JSONValue {
        let list = server.rooms.live.rooms.values.sorted { $0.id < $1.id }.map { room -> JSONValue in
            [
                "room_id": .string(room.id), "user_count": JSONValue(room.userCount),
                "active_sheets_count": JSONValue(server.directory.rooms[room.id]?.sheetIDs.count ?? 0),
                "last_activity": .string(Timestamp.iso8601(milliseconds: room.lastActivity)),
                "messages_sent": JSONValue(Int(room.messagesSent)),
            ]
        }
        return ["rooms": .array(list)]
    }

    /// An admin message for clients: any JSON object with a string `type`, sent as is plus a timestamp.
    func adminMessageFrame(_ request: RESTRequest, respond: (HTTPResponse) -> Void) -> OutgoingMessage? {
        guard var object = request.jsonObjectBody(respond: respond) else { return nil }
        guard let type = object["type"]?.stringValue, !type.isEmpty, type.utf8.count <= 64 else {
            respond(.jsonError(status: 400, code: ErrorCode.INVALID_MESSAGE.rawValue, text: "field 'type' must be a non-empty string"))
            return nil
        }
        if object["timestamp"] == nil { object["timestamp"] = .string(Timestamp.iso8601Now()) }
        return OutgoingMessage(type: type, json: object.serialized())
    }

    func broadcastToRoom(_ request: RESTRequest, respond: @escaping (HTTPResponse) -> Void) {
        let roomID = request.params["room_id"] ?? ""
        guard server.directory.rooms[roomID] != nil else {
            return respond(.jsonError(status: 404, code: ErrorCode.NOT_FOUND.rawValue, text: "room '\(roomID)' does not exist"))
        }
        guard let frame = adminMessageFrame(request, respond: respond) else { return }
        let delivered = server.rooms[roomID].map { server.rooms.sendToMembers(frame, of: $0) } ?? 0
        server.deliveredEverywhere(delivered, call: "room_broadcast", [("room", .string(roomID)), ("type", .string(frame.type))],
                                   body: frame.json) { total in
            respond(.json(status: 200, ["delivered": JSONValue(total), "room_id": .string(roomID)]))
        }
    }

    func notifyUser(_ request: RESTRequest, respond: @escaping (HTTPResponse) -> Void) {
        let userID = request.params["user_id"] ?? ""
        guard let frame = adminMessageFrame(request, respond: respond) else { return }
        let delivered = server.sessions.send(frame, toUser: userID)
        server.deliveredEverywhere(delivered, call: "notify_user", [("user", .string(userID)), ("type", .string(frame.type))],
                                   body: frame.json) { total in
            respond(.json(status: 200, ["delivered": JSONValue(total), "user_id": .string(userID)]))
        }
    }

    func disconnect(_ request: RESTRequest, respond: @escaping (HTTPResponse) -> Void) {
        let text = request.params["connection_id"] ?? ""
        let notFound = HTTPResponse.jsonError(status: 404, code: ErrorCode.NOT_FOUND.rawValue, text: "no open connection '\(text)'")
        let closed = HTTPResponse.json(status: 200, ["connection_id": .string(text), "closed": true])
        guard let id = ConnectionIDs.parse(text) else { return respond(notFound) }
        if let session = server.sessions[id] {
            session.close(code: CloseCode.normal, reason: "disconnected by admin")
            return respond(closed)
        }
        guard let cluster = server.cluster else { return respond(notFound) }
        // Held by another node, perhaps.
        cluster.calls.call("disconnect", [("connection", .string(text))]) { answers in
            respond(answers.contains { $0["closed"]?.boolValue == true } ? closed : notFound)
        }
    }

    /// `GET /api/v1/ws/stats`: in a cluster, every node's connections and rates added up.
    func clusterStats(respond: @escaping (HTTPResponse) -> Void) {
        guard let cluster = server.cluster else { return respond(.json(status: 200, .object(wsStats()))) }
        cluster.calls.call("stats") { [unowned self] answers in
            var object = self.wsStats()
            var rooms = Set(self.server.rooms.live.rooms.keys)
            var connections = self.server.sessions.count
            var rate = self.messagesPerSecond
            for answer in answers {
                connections += Int(answer["total_connections"]?.int64Value ?? 0)
                rate += answer["messages_per_second"]?.doubleValue ?? 0
                for room in answer["rooms"]?.objectValue?["rooms"]?.arrayValue ?? [] {
                    if let id = room.objectValue?["room_id"]?.stringValue { rooms.insert(id) }
                }
            }
            object["total_connections"] = JSONValue(connections)
            object["authenticated_connections"] = JSONValue(connections)
            object["rooms_active"] = JSONValue(rooms.count)
            object["messages_per_second"] = .number((rate * 100).rounded() / 100)
            object.members.append(("nodes", JSONValue(answers.count + 1)))
            respond(.json(status: 200, .object(object)))
        }
    }

    /// `GET /api/v1/ws/rooms`: in a cluster, each room's figures added up over the nodes.
    func clusterRooms(respond: @escaping (HTTPResponse) -> Void) {
        guard let cluster = server.cluster else { return respond(.json(status: 200, wsRooms())) }
        cluster.calls.call("stats") { [unowned self] answers in
            var merged: [String: JSONObject] = [:]
            var lists = [self.wsRooms()]
            lists += answers.compactMap { $0["rooms"] }
            for list in lists {
                for room in list.objectValue?["rooms"]?.arrayValue ?? [] {
                    guard let object = room.objectValue, let id = object["room_id"]?.stringValue else { continue }
                    guard var existing = merged[id] else { merged[id] = object; continue }
                    for field in ["user_count", "messages_sent"] {
                        existing[field] = JSONValue((existing[field]?.int64Value ?? 0) + (object[field]?.int64Value ?? 0))
                    }
                    if let when = object["last_activity"]?.stringValue, when > existing["last_activity"]?.stringValue ?? "" {
                        existing["last_activity"] = .string(when)
                    }
                    merged[id] = existing
                }
            }
            let rooms = merged.keys.sorted().compactMap { merged[$0].map(JSONValue.object) }
            respond(.json(status: 200, ["rooms": .array(rooms)]))
        }
    }

    // MARK: Sampling

    /// Every 250 ms: how late a timer fires (the event-loop lag) and the message rate.
    func scheduleLoopProbe(expected: UInt64) {
        let interval: UInt64 = 250_000_000
        server.loop.schedule(after: 0.25) { [unowned self] in
            let now = self.server.loop.now
            let lateNanoseconds = now > expected + interval ? now - (expected + interval) : 0
            self.loopLag.record(Double(lateNanoseconds) / 1e6)
            self.messageRateSampler.sample(count: self.server.stats.messagesIn, now: now)
            self.scheduleLoopProbe(expected: now)
        }
    }

    var messagesPerSecond: Double { messageRateSampler.perSecond }
}
