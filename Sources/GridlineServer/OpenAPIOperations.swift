import GridlineJSON

/// What one endpoint takes and answers, before `OpenAPIDocument` adds what its access level
/// (401/403, security) and body cap (413) imply.
struct OpenAPIOperation {
    var tag: String
    var summary: String
    var details: String?
    var parameters: [JSONValue] = []
    var requestBody: JSONValue?
    var responses: [(Int, JSONValue)]
    /// A *user* endpoint that can still answer 403 (another user's resource, a room outside the token).
    var userMayBeForbidden = false
    /// Overrides the security implied by the endpoint's access level.
    var security: JSONValue?
}

/// The per-endpoint descriptions, read from the handlers (the services and `Server+REST.swift`).
enum OpenAPIOperations {
    private typealias S = OpenAPISchemas
    private typealias R = OpenAPIResponses

    static func describe(_ endpoint: Endpoint) -> OpenAPIOperation {
        switch endpoint {
        case .websocket: return websocket
        case .editor:
            return OpenAPIOperation(tag: "web", summary: "The collaborative table editor", responses: [
                (200, R.content("The editor page; `?token=` and `?room=` (default `demo`) are read by its script.",
                                type: "text/html")),
                (304, ["description": "Unchanged since the `If-None-Match` ETag; no body."]),
            ])
        case .webAsset:
            return OpenAPIOperation(
                tag: "web", summary: "The browser client library and the editor's script and style",
                parameters: [path("asset", S.string(min: 1, example: "gridline.js"))],
                responses: [
                    (200, R.content("`gridline.js` (ES module), `editor.js` or `editor.css`.", type: "text/javascript")),
                    (304, ["description": "Unchanged since the `If-None-Match` ETag; no body."]),
                    (404, R.json("No such file.", schema: "Error")),
                ])
        case .health:
            return OpenAPIOperation(tag: "server", summary: "Liveness and storage health", responses: [
                (200, R.json("Up; `storage` says whether SQLite answers.", schema: "Health")),
            ])
        case .metrics:
            return OpenAPIOperation(tag: "server", summary: "Prometheus metrics", responses: [
                (200, R.content("Prometheus text exposition format 0.0.4.", type: "text/plain")),
            ])
        case .openAPI:
            return OpenAPIOperation(tag: "server", summary: "This document", responses: [
                (200, R.json("The OpenAPI 3.1 document.", schema: "OpenAPI")),
            ])
        case .wsHealth: return simple("WebSocket layer health", "WsHealth")
        case .wsConfig:
            return OpenAPIOperation(tag: "websocket", summary: "Discovery: WebSocket endpoint, features and limits",
                                    responses: [(200, R.json("The configuration clients need.", schema: "WsConfig"))])
        case .wsStats: return simple("Connection and message counters", "WsStats")
        case .wsStatsDetailed: return simple("Counters by message type and error code, bytes, memory", "WsStatsDetailed")
        case .wsRooms: return simple("Rooms with live members", "LiveRoomList")
        case .listRooms:
            return OpenAPIOperation(tag: "rooms", summary: "Every room", responses: [
                (200, R.json("All rooms, oldest first.", schema: "RoomList")),
            ])
        case .createRoom:
            return OpenAPIOperation(tag: "rooms", summary: "Create a room", details: "Without `room_id` the server picks one.",
                                    requestBody: jsonBody("NewRoom"), responses: [
                                        (201, linked(R.json("Created.", schema: "Room"), from: "room_id",
                                                     to: [.getRoom, .deleteRoom, .createSheet, .broadcastRoom])),
                                        (400, R.use("BadRequest")),
                                        (409, R.use("Conflict")),
                                    ])
        case .getRoom:
            return OpenAPIOperation(tag: "rooms", summary: "One room and its sheets", parameters: [roomID], responses: [
                (200, R.json("The room.", schema: "Room")), (404, R.use("NotFound")),
            ])
        case .deleteRoom:
            return OpenAPIOperation(tag: "rooms", summary: "Delete a room with its sheets",
                                    details: "Members in the room get `room_closed`.", parameters: [roomID], responses: [
                                        (200, R.json("Deleted.", schema: "RoomDeleted")), (404, R.use("NotFound")),
                                    ])
        case .createSheet:
            return OpenAPIOperation(tag: "rooms", summary: "Create a sheet in a room", details: "Without `sheet_id` the server picks one.",
                                    parameters: [roomID], requestBody: jsonBody("NewSheet"), responses: [
                                        (201, linked(R.json("Created, with no cells.", schema: "Sheet"), from: "sheet_id",
                                                     to: [.getSheet])),
                                        (400, R.use("BadRequest")),
                                        (404, R.use("NotFound")), (409, R.use("Conflict")),
                                    ])
        case .getSheet:
            return OpenAPIOperation(tag: "rooms", summary: "A sheet with every written cell", parameters: [
                path("sheet_id", S.clientID(example: "demo-sheet")),
            ], responses: [(200, R.json("The sheet.", schema: "Sheet")), (404, R.use("NotFound"))], userMayBeForbidden: true)
        case .broadcastRoom:
            return OpenAPIOperation(tag: "admin", summary: "Send a message to everyone in a room", parameters: [roomID],
                                    requestBody: jsonBody("AdminMessage"), responses: [
                                        (200, R.json("How many connections it was queued to.", schema: "RoomDelivery")),
                                        (400, R.use("BadRequest")), (404, R.use("NotFound")),
                                    ])
        case .notifyUser:
            return OpenAPIOperation(tag: "admin", summary: "Send a message to every connection of a user",
                                    parameters: [path("user_id", S.string(min: 1, example: "demo"))],
                                    requestBody: jsonBody("AdminMessage"), responses: [
                                        (200, R.json("How many connections it was queued to (0 when offline).", schema: "UserDelivery")),
                                        (400, R.use("BadRequest")),
                                    ])
        case .broadcastNotification:
            return OpenAPIOperation(tag: "notifications", summary: "Store a notification and deliver it",
                                    details: "Delivered as `notification_event` to the user's subscribed connections whose filters match.",
                                    parameters: [query("event_type", S.string(pattern: "^[A-Za-z0-9_]{1,64}$", example: "notification_created"),
                                                       "`event_type` of the delivered event; default `notification_created`.")],
                                    requestBody: jsonBody("NewNotification"), responses: [
                                        (201, R.json("Stored; `delivered` counts live connections reached.", schema: "NotificationCreated")),
                                        (400, R.use("BadRequest")),
                                    ])
        case .listNotifications:
            return OpenAPIOperation(tag: "notifications", summary: "The caller's notifications, newest first",
                                    parameters: [query("unread", S.enumeration(["true", "false"]), "Only unread ones when `true`.")],
                                    responses: [
                                        (200, R.json("At most 500.", schema: "NotificationList")), (400, R.use("BadRequest")),
                                    ])
        case .deleteConnection:
            return OpenAPIOperation(tag: "admin", summary: "Close a WebSocket connection (1000, \"disconnected by admin\")",
                                    parameters: [path("connection_id", S.string(pattern: "^c[0-9]+$", example: "c1"))],
                                    responses: [
                                        (200, R.json("Closing.", schema: "ConnectionClosed")), (404, R.use("NotFound")),
                                    ])
        case .shutdown:
            return OpenAPIOperation(tag: "admin", summary: "Graceful shutdown",
                                    details: "Stops accepting, closes every WebSocket with 1001, finishes writes, exits 0.",
                                    responses: [(202, R.json("Shutting down.", schema: "ShutdownAccepted"))])
        case .putUpload: return putUpload
        case .getUpload:
            return OpenAPIOperation(tag: "uploads", summary: "Download a completed upload",
                                    details: "For its owner, an admin, or a user allowed in the upload's room.",
                                    parameters: [fileID], responses: [
                                        (200, R.content("The bytes, with the MIME type declared at `file_upload_start`.",
                                                        type: "*/*", schema: ["type": "string", "format": "binary"])),
                                        (404, R.use("NotFound")),
                                    ], userMayBeForbidden: true)
        case .getAIJob:
            return OpenAPIOperation(tag: "ai", summary: "State of one of the caller's AI jobs",
                                    parameters: [path("request_id", S.string(min: 1, max: 64, example: "req-1"))],
                                    responses: [(200, R.json("The job.", schema: "AIJob")), (404, R.use("NotFound"))])
        }
    }

    // MARK: The two unusual ones

    private static var websocket: OpenAPIOperation {
        let header = { (name: String, schema: JSONValue, required: Bool) -> JSONValue in
            ["name": .string(name), "in": "header", "required": .bool(required), "schema": schema]
        }
        return OpenAPIOperation(
            tag: "websocket", summary: "Upgrade to the Gridline WebSocket protocol (RFC 6455)",
            details: "The token comes as `?token=`, as `Authorization: Bearer`, or as the subprotocol pair "
                + "`Sec-WebSocket-Protocol: bearer, <token>` (answered with subprotocol `bearer`). It is checked before "
                + "the upgrade. Requests without `Origin` are admitted; a disallowed `Origin` gets 403.",
            parameters: [
                query("token", S.string(), "The JWT, for clients that cannot set headers."),
                header("Upgrade", S.string(pattern: "(?i)^websocket$"), true),
                header("Connection", S.string(description: "must list `Upgrade`"), true),
                header("Sec-WebSocket-Key", S.string(pattern: "^[A-Za-z0-9+/]{22}==$"), true),
                header("Sec-WebSocket-Version", S.constant("13"), true),
                header("Sec-WebSocket-Protocol", S.string(), false),
                header("Origin", S.string(), false),
            ],
            responses: [
                (101, [
                    "description": "Switched to WebSocket; the first frame is `connection_established`.",
                    "headers": [
                        "Upgrade": ["schema": S.constant("websocket")],
                        "Sec-WebSocket-Accept": ["schema": S.string()],
                        "Sec-WebSocket-Protocol": ["schema": S.constant("bearer"), "description": "only for the subprotocol token"],
                    ],
                ]),
                (400, R.error("Not a valid WebSocket handshake.", code: "INVALID_MESSAGE")),
                (401, R.use("Unauthorized")),
                (403, R.use("Forbidden")),
                (426, {
                    var response = R.error("Unsupported `Sec-WebSocket-Version`.", code: "INVALID_MESSAGE").objectValue!
                    response["headers"] = ["Sec-WebSocket-Version": ["schema": S.constant("13")]]
                    return .object(response)
                }()),
            ],
            security: [["bearerAuth": []], ["queryToken": []], [:]])
    }

    private static var putUpload: OpenAPIOperation {
        OpenAPIOperation(
            tag: "uploads", summary: "Send the bytes of an upload started with `file_upload_start`",
            details: "Only the user who started the upload may send it; the body is streamed to disk while "
                + "`file_upload_progress` events go out, and must be exactly the declared `file_size` bytes "
                + "(at most `UPLOAD_MAX_BYTES`).",
            parameters: [fileID],
            requestBody: ["required": true, "content": ["application/octet-stream": ["schema": ["type": "string", "format": "binary"]]]],
            responses: [
                (200, R.json("Stored; `file_upload_complete` was sent.", schema: "UploadComplete")),
                (400, R.error("Fewer bytes than the declared `file_size`.", code: "INVALID_MESSAGE")),
                (404, R.use("NotFound")),
                (409, R.error("The upload is complete, failed, or already receiving bytes.", code: "INVALID_MESSAGE")),
            ],
            userMayBeForbidden: true)
    }

    // MARK: Helpers

    /// OpenAPI links: the id in a created resource feeds the operations that take it.
    private static func linked(_ response: JSONValue, from field: String, to endpoints: [Endpoint]) -> JSONValue {
        guard var object = response.objectValue else { return response }
        object["links"] = .object(JSONObject(endpoints.map { endpoint in
            (endpoint.rawValue, ["operationId": .string(endpoint.rawValue),
                                 "parameters": [field: .string("$response.body#/\(field)")]])
        }))
        return .object(object)
    }

    private static func simple(_ summary: String, _ schema: String) -> OpenAPIOperation {
        OpenAPIOperation(tag: "admin", summary: summary, responses: [(200, R.json("Current figures.", schema: schema))])
    }

    private static var roomID: JSONValue { path("room_id", S.clientID(example: "demo")) }
    private static var fileID: JSONValue { path("file_id", S.clientID(example: "upl_1")) }

    private static func path(_ name: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "schema": schema]
    }

    private static func query(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "schema": schema, "description": .string(description)]
    }

    private static func jsonBody(_ schema: String) -> JSONValue {
        ["required": true, "content": ["application/json": ["schema": S.ref(schema)]]]
    }
}
