import GridlineJSON

/// Building blocks of the OpenAPI document: JSON Schema helpers and the reusable component
/// schemas (SPEC §9 shapes). OpenAPI 3.1, so schemas are plain JSON Schema 2020-12 and a
/// nullable field is `"type": [T, "null"]`.
enum OpenAPISchemas {
    // MARK: Helpers

    static func typeName(_ name: String, nullable: Bool) -> JSONValue {
        nullable ? [.string(name), "null"] : .string(name)
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    static func object(_ properties: [(String, JSONValue)], required: [String]? = nil, open: Bool = false,
                       description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "object")]
        if let description { members.append(("description", .string(description))) }
        members.append(("required", .array((required ?? properties.map(\.0)).map { .string($0) })))
        members.append(("properties", .object(JSONObject(properties))))
        if !open { members.append(("additionalProperties", false)) }
        return .object(JSONObject(members))
    }

    static func string(min: Int? = nil, max: Int? = nil, pattern: String? = nil, format: String? = nil,
                       nullable: Bool = false, description: String? = nil, example: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", typeName("string", nullable: nullable))]
        if let min { members.append(("minLength", JSONValue(min))) }
        if let max { members.append(("maxLength", JSONValue(max))) }
        if let pattern { members.append(("pattern", .string(pattern))) }
        if let format { members.append(("format", .string(format))) }
        if let description { members.append(("description", .string(description))) }
        if let example { members.append(("example", .string(example))) }
        return .object(JSONObject(members))
    }

    static func enumeration(_ values: [String], nullable: Bool = false) -> JSONValue {
        ["type": typeName("string", nullable: nullable), "enum": .array(values.map { .string($0) } + (nullable ? [.null] : []))]
    }

    static func constant(_ value: JSONValue) -> JSONValue { ["const": value] }

    static func integer(min: Int? = 0, max: Int? = nil, description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "integer")]
        if let min { members.append(("minimum", JSONValue(min))) }
        if let max { members.append(("maximum", JSONValue(max))) }
        if let description { members.append(("description", .string(description))) }
        return .object(JSONObject(members))
    }

    static func number(min: Double? = 0, max: Double? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "number")]
        if let min { members.append(("minimum", .number(min))) }
        if let max { members.append(("maximum", .number(max))) }
        return .object(JSONObject(members))
    }

    static func array(_ items: JSONValue, max: Int? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "array"), ("items", items)]
        if let max { members.append(("maxItems", JSONValue(max))) }
        return .object(JSONObject(members))
    }

    static func map(of values: JSONValue) -> JSONValue { ["type": "object", "additionalProperties": values] }

    static let timestamp = string(format: "date-time", description: "ISO 8601 UTC")
    static let nullableTimestamp = string(format: "date-time", nullable: true, description: "ISO 8601 UTC, null when unset")

    /// Ids clients may choose for rooms, sheets and uploads: 1–64 of `A–Z a–z 0–9 - _ .`, not only dots.
    static let idPattern = "^[A-Za-z0-9._-]*[A-Za-z0-9_-][A-Za-z0-9._-]*$"
    static func clientID(nullable: Bool = false, example: String? = nil) -> JSONValue {
        string(min: 1, max: 64, pattern: idPattern, nullable: nullable, example: example)
    }

    /// A1 notation (SPEC §6).
    static let cellIDPattern = "^[A-Z]{1,3}[1-9][0-9]{0,6}$"

    /// Every code an error body may carry: SPEC §4's list plus the HTTP layer's 413 code.
    static let errorCodes = ErrorCode.allCases.map(\.rawValue) + ["PAYLOAD_TOO_LARGE"]

    // MARK: Components

    static var components: JSONValue {
        .object(JSONObject(common + admin + rooms + notifications + others))
    }

    private static var common: [(String, JSONValue)] {
        [
            ("Error", object([("error", string(description: "human-readable text")), ("code", enumeration(errorCodes))],
                             description: "The REST error shape of SPEC §9.")),
            ("Health", object([
                ("status", constant("ok")), ("storage", enumeration(["ok", "down"])), ("version", string()),
                ("uptime_seconds", integer()),
                // Only on a node of a cluster (SPEC §15).
                ("redis", enumeration(["ok", "down"])), ("node_id", string()),
            ], required: ["status", "storage", "version", "uptime_seconds"])),
        ]
    }

    private static var statsFields: [(String, JSONValue)] {
        [
            ("total_connections", integer()), ("authenticated_connections", integer()), ("rooms_active", integer()),
            ("messages_per_second", number()), ("uptime_seconds", integer()),
        ]
    }

    private static var admin: [(String, JSONValue)] {
        [
            ("WsHealth", object([
                ("status", constant("ok")), ("connections", integer()), ("rooms_active", integer()),
                ("event_loop_lag_ms", number()),
            ])),
            ("WsConfig", object([
                ("websocket_config", object([
                    ("version", string()),
                    ("features", map(of: ["type": "boolean"])),
                    ("endpoints", object([("websocket", constant("/api/v1/ws"))], open: true)),
                    ("connection_limits", map(of: number())),
                    ("token_sources", array(string())),
                ])),
            ], description: "Discovery: what a client needs before it connects.")),
            ("WsStats", object(statsFields)),
            ("WsStatsDetailed", object(statsFields + [
                ("http_connections", integer()), ("connections_accepted", integer()), ("handshakes_refused", integer()),
                ("messages_received", integer()), ("messages_by_type", map(of: integer())), ("frames_sent", integer()),
                ("errors_by_code", map(of: integer())), ("rate_limit_events", integer()), ("dropped_signals", integer()),
                ("dropped_frames", integer()), ("slow_consumers_closed", integer()), ("bytes_in", integer()),
                ("bytes_out", integer()), ("event_loop_lag_ms", number()),
                ("database", object([
                    ("commits", integer()), ("failed_commits", integer()), ("operations", integer()),
                    ("last_group_size", integer()), ("average_group_size", number()), ("largest_group_size", integer()),
                    ("queue_depth", integer()), ("mean_commit_ms", number()),
                ])),
                ("memory", object([("rss_bytes", integer()), ("open_connections", integer())])),
            ])),
            ("LiveRoom", object([
                ("room_id", string()), ("user_count", integer()), ("active_sheets_count", integer()),
                ("last_activity", timestamp), ("messages_sent", integer()),
            ])),
            ("LiveRoomList", object([("rooms", array(ref("LiveRoom")))])),
            ("AdminMessage", object([("type", string(min: 1, max: 64, description: "at most 64 UTF-8 bytes"))], open: true,
                                    description: "Any JSON object with a string `type`; sent to clients as is, plus `timestamp`.")),
            ("RoomDelivery", object([("delivered", integer()), ("room_id", string())])),
            ("UserDelivery", object([("delivered", integer()), ("user_id", string())])),
            ("ConnectionClosed", object([("connection_id", string(pattern: "^c[0-9]+$")), ("closed", constant(true))])),
            ("ShutdownAccepted", object([("status", constant("shutting_down"))])),
        ]
    }

    private static var rooms: [(String, JSONValue)] {
        [
            ("SheetRef", object([("sheet_id", string()), ("name", string())])),
            ("Room", object([
                ("room_id", string()), ("name", string()), ("created_at", timestamp), ("sheets", array(ref("SheetRef"))),
            ])),
            ("RoomList", object([("rooms", array(ref("Room")))])),
            ("RoomDeleted", object([("room_id", string()), ("deleted", constant(true)), ("members_notified", integer())])),
            ("NewRoom", object([
                ("room_id", clientID(nullable: true, example: "budget-2025")),
                ("name", string(min: 1, max: 200, description: "at most 200 UTF-8 bytes")),
            ], required: ["name"], open: true)),
            ("NewSheet", object([
                ("sheet_id", clientID(nullable: true, example: "q1")),
                ("name", string(min: 1, max: 200, description: "at most 200 UTF-8 bytes")),
            ], required: ["name"], open: true)),
            ("Cell", object([
                ("cell_id", string(pattern: cellIDPattern)),
                ("value", ["type": ["string", "number", "boolean", "null"]]),
                ("formula", string(nullable: true)),
                ("error", ["type": ["string", "null"],
                           "enum": ["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#N/A", "#NUM!", "#CYCLE!", .null],
                           "description": "the error a formula evaluated to (then also its value), else null"]),
                ("version", integer()),
                ("updated_by", string(nullable: true)), ("updated_at", nullableTimestamp),
            ])),
            ("Sheet", object([
                ("sheet_id", string()), ("room_id", string()), ("name", string()), ("seq", integer()),
                ("cells", array(ref("Cell"))),
            ])),
        ]
    }

    private static var notifications: [(String, JSONValue)] {
        let priorities = ["low", "normal", "high", "critical"]
        return [
            ("Notification", object([
                ("id", string()), ("user_id", string()), ("title", string()), ("message", string()), ("category", string()),
                ("priority", enumeration(priorities)), ("module_name", string(nullable: true)),
                ("created_at", timestamp), ("read_at", nullableTimestamp),
            ])),
            ("NotificationList", object([("notifications", array(ref("Notification")))])),
            ("NewNotification", object([
                ("user_id", string(min: 1, max: 256, example: "demo")),
                ("title", string(min: 1, max: 512)),
                ("message", string(min: 1, max: 16 * 1024)),
                ("category", string(min: 1, max: 64, nullable: true, description: "default `general`")),
                ("priority", enumeration(priorities, nullable: true)),
                ("module_name", string(min: 1, max: 64, nullable: true)),
            ], required: ["user_id", "title", "message"], open: true,
               description: "Length limits count UTF-8 bytes.")),
            ("NotificationCreated", object([("notification_id", string()), ("delivered", integer())])),
        ]
    }

    private static var others: [(String, JSONValue)] {
        [
            ("UploadComplete", object([("file_id", string()), ("url", string()), ("size", integer())])),
            ("AIJob", object([
                ("request_id", string()), ("status", enumeration(["running", "complete", "error", "cancelled"])),
                ("progress", integer(max: 100)), ("query", string()), ("sheet_id", string(nullable: true)),
                ("table_range", string(nullable: true)),
                ("result", string()), ("processing_time", number()), ("figures", ["type": "object"]),
                ("error", string()),
            ], required: ["request_id", "status", "progress", "query", "sheet_id", "table_range"],
               description: "`result`, `processing_time` and `figures` once complete; `error` after a failure.")),
            ("OpenAPI", object([("openapi", string(pattern: "^3\\.")), ("info", ["type": "object"]), ("paths", ["type": "object"])],
                               open: true)),
        ]
    }
}
