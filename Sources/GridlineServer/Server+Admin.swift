import Foundation
import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// Operator endpoints about the live server (SPEC §9): health, discovery, stats, rooms,
/// broadcasts, force-disconnect and shutdown.
extension Server {
    func wsHealth() -> JSONValue {
        [
            "status": "ok", "connections": JSONValue(sessions.count), "rooms_active": JSONValue(rooms.activeCount),
            "event_loop_lag_ms": .number((loopLag.lastMilliseconds * 1000).rounded() / 1000),
        ]
    }

    func wsConfig() -> JSONValue {
        [
            "websocket_config": [
                "version": .string(Self.version),
                "features": [
                    "rooms": true, "presence": true, "cursors": true, "typing_indicators": true,
                    "versioned_cells": true, "batch_updates": true, "sync": true, "ai_streaming": true,
                    "notifications": true, "file_uploads": true, "binary_messages": false, "compression": false,
                ],
                "endpoints": ["websocket": "/api/v1/ws", "health": "/api/v1/ws/health", "metrics": "/metrics"],
                "connection_limits": [
                    "max_message_bytes": JSONValue(settings.maxMessageBytes),
                    "max_connections_per_user": JSONValue(settings.maxConnectionsPerUser),
                    "connect_rate_per_10s": JSONValue(settings.connectRate),
                    "requests_per_minute": JSONValue(settings.requestsPerMinute),
                    "requests_per_hour": JSONValue(settings.requestsPerHour),
                    "block_duration_minutes": .number(settings.blockDurationMinutes),
                    "cursor_rate_per_second": JSONValue(settings.cursorRate),
                    "send_buffer_bytes": JSONValue(settings.sendBufferBytes),
                    "upload_max_bytes": JSONValue(Int(settings.uploadMaxBytes)),
                    "ping_interval_seconds": .number(settings.pingInterval),
                    "ping_timeout_seconds": .number(settings.pingTimeout),
                    "typing_timeout_seconds": .number(settings.typingTimeout),
                ],
                "token_sources": ["query:token", "header:Authorization: Bearer", "subprotocol:bearer"],
            ],
        ]
    }

    var uptimeSeconds: Int { Int(Date().timeIntervalSince(startedAt)) }

    func wsStats() -> JSONObject {
        JSONObject([
            ("total_connections", JSONValue(sessions.count)), ("authenticated_connections", JSONValue(sessions.count)),
            ("rooms_active", JSONValue(rooms.activeCount)),
            ("messages_per_second", .number((messagesPerSecond * 100).rounded() / 100)),
            ("uptime_seconds", JSONValue(uptimeSeconds)),
        ])
    }

    func wsStatsDetailed() -> JSONValue {
        var object = wsStats()
        let byType = router.messagesByType.map { ($0.0, JSONValue(Int($0.1))) }
        let byCode = stats.errorsByCode.sorted { $0.key < $1.key }.map { ($0.key, JSONValue(Int($0.value))) }
        let rss = Self.residentBytes()
        object.members.append(contentsOf: [
            ("http_connections", JSONValue(httpSessions.count)),
            ("connections_accepted", JSONValue(Int(stats.connectionsAccepted))),
            ("handshakes_refused", JSONValue(Int(stats.handshakesRefused))),
            ("messages_received", JSONValue(Int(stats.messagesIn))),
            ("messages_by_type", .object(JSONObject(byType))),
            ("frames_sent", JSONValue(Int(stats.framesOut))),
            ("errors_by_code", .object(JSONObject(byCode))),
            ("rate_limit_events", JSONValue(Int(stats.rateLimitEvents))),
            ("dropped_signals", JSONValue(Int(stats.droppedSignals))),
            ("dropped_frames", JSONValue(Int(stats.droppedFrames))),
            ("slow_consumers_closed", JSONValue(Int(stats.slowConsumers))),
            ("bytes_in", JSONValue(Int(loop.bytesRead))), ("bytes_out", JSONValue(Int(loop.bytesWritten))),
            ("event_loop_lag_ms", .number((loopLag.lastMilliseconds * 1000).rounded() / 1000)),
            ("database", databaseFigures()),
            ("memory", ["rss_bytes": JSONValue(rss), "open_connections": JSONValue(loop.connectionCount)] as JSONValue),
        ])
        return .object(object)
    }

    func databaseFigures() -> JSONValue {
        let db = store.writer.metrics()
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
        let list = rooms.live.rooms.values.sorted { $0.id < $1.id }.map { room -> JSONValue in
            [
                "room_id": .string(room.id), "user_count": JSONValue(room.userCount),
                "active_sheets_count": JSONValue(directory.rooms[room.id]?.sheetIDs.count ?? 0),
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

    func broadcastToRoom(_ request: RESTRequest, respond: (HTTPResponse) -> Void) {
        let roomID = request.params["room_id"] ?? ""
        guard directory.rooms[roomID] != nil else {
            return respond(.jsonError(status: 404, code: ErrorCode.NOT_FOUND.rawValue, text: "room '\(roomID)' does not exist"))
        }
        guard let frame = adminMessageFrame(request, respond: respond) else { return }
        var delivered = 0
        if let room = rooms[roomID] {
            room.messagesSent += 1
            for member in room.members where member.send(frame) { delivered += 1 }
        }
        respond(.json(status: 200, ["delivered": JSONValue(delivered), "room_id": .string(roomID)]))
    }

    func notifyUser(_ request: RESTRequest, respond: (HTTPResponse) -> Void) {
        let userID = request.params["user_id"] ?? ""
        guard let frame = adminMessageFrame(request, respond: respond) else { return }
        let delivered = sessions.send(frame, toUser: userID)
        respond(.json(status: 200, ["delivered": JSONValue(delivered), "user_id": .string(userID)]))
    }

    func disconnect(_ request: RESTRequest, respond: (HTTPResponse) -> Void) {
        let text = request.params["connection_id"] ?? ""
        guard let id = ConnectionIDs.parse(text), let session = sessions[id] else {
            return respond(.jsonError(status: 404, code: ErrorCode.NOT_FOUND.rawValue, text: "no open connection '\(text)'"))
        }
        session.close(code: CloseCode.normal, reason: "disconnected by admin")
        respond(.json(status: 200, ["connection_id": .string(text), "closed": true]))
    }

    // MARK: Sampling

    /// Every 250 ms: how late a timer fires (the event-loop lag) and the message rate.
    func scheduleLoopProbe(expected: UInt64) {
        let interval: UInt64 = 250_000_000
        loop.schedule(after: 0.25) { [unowned self] in
            let now = self.loop.now
            let lateNanoseconds = now > expected + interval ? now - (expected + interval) : 0
            self.loopLag.record(Double(lateNanoseconds) / 1e6)
            self.messageRateSampler.sample(count: self.stats.messagesIn, now: now)
            self.scheduleLoopProbe(expected: now)
        }
    }

    var messagesPerSecond: Double { messageRateSampler.perSecond }
}

/// The event loop's lateness: the last probe and a histogram of all of them.
struct LoopLag {
    private(set) var lastMilliseconds: Double = 0
    /// In seconds, as Prometheus expects: 0.1 ms to 1 s.
    private(set) var histogram = BucketHistogram(upperBounds: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])

    mutating func record(_ milliseconds: Double) {
        lastMilliseconds = milliseconds
        histogram.record(milliseconds / 1000)
    }
}

/// Messages per second over the last few seconds.
struct RateSampler {
    private var lastCount: UInt64 = 0
    private var lastTime: UInt64 = 0
    private(set) var perSecond: Double = 0

    mutating func sample(count: UInt64, now: UInt64) {
        defer {
            lastCount = count
            lastTime = now
        }
        guard lastTime != 0, now > lastTime else { return }
        let instant = Double(count - lastCount) / (Double(now - lastTime) / 1e9)
        perSecond = perSecond == 0 ? instant : perSecond * 0.75 + instant * 0.25
    }
}
