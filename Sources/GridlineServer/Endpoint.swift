import GridlineHTTP

/// Who may call an endpoint (SPEC §2): anyone, any admitted user, or admins only.
enum Access: String, Sendable {
    case open, user, admin
}

/// Every HTTP endpoint, routed by `Router<Endpoint>` and answered in `Server+REST.swift`.
/// The OpenAPI document is checked against this list by a test.
enum Endpoint: String, Sendable, CaseIterable {
    case websocket, editor, webAsset, health, metrics, openAPI
    case wsHealth, wsConfig, wsStats, wsStatsDetailed, wsRooms
    case listRooms, createRoom, getRoom, deleteRoom, createSheet, getSheet
    case broadcastRoom, notifyUser, broadcastNotification, listNotifications
    case deleteConnection, shutdown
    case putUpload, getUpload, getAIJob

    var route: (method: String, path: String) {
        switch self {
        case .websocket: return ("GET", "/api/v1/ws")
        case .editor: return ("GET", "/")
        case .webAsset: return ("GET", "/client/{asset}")
        case .health: return ("GET", "/api/v1/health")
        case .metrics: return ("GET", "/metrics")
        case .openAPI: return ("GET", "/api/v1/openapi.json")
        case .wsHealth: return ("GET", "/api/v1/ws/health")
        case .wsConfig: return ("GET", "/api/v1/ws/config")
        case .wsStats: return ("GET", "/api/v1/ws/stats")
        case .wsStatsDetailed: return ("GET", "/api/v1/ws/stats/detailed")
        case .wsRooms: return ("GET", "/api/v1/ws/rooms")
        case .listRooms: return ("GET", "/api/v1/rooms")
        case .createRoom: return ("POST", "/api/v1/rooms")
        case .getRoom: return ("GET", "/api/v1/rooms/{room_id}")
        case .deleteRoom: return ("DELETE", "/api/v1/rooms/{room_id}")
        case .createSheet: return ("POST", "/api/v1/rooms/{room_id}/sheets")
        case .getSheet: return ("GET", "/api/v1/sheets/{sheet_id}")
        case .broadcastRoom: return ("POST", "/api/v1/ws/rooms/{room_id}/broadcast")
        case .notifyUser: return ("POST", "/api/v1/ws/users/{user_id}/notify")
        case .broadcastNotification: return ("POST", "/api/v1/ws/broadcast/notification")
        case .listNotifications: return ("GET", "/api/v1/notifications")
        case .deleteConnection: return ("DELETE", "/api/v1/ws/connections/{connection_id}")
        case .shutdown: return ("POST", "/api/v1/ws/shutdown")
        case .putUpload: return ("PUT", "/api/v1/uploads/{file_id}")
        case .getUpload: return ("GET", "/api/v1/uploads/{file_id}")
        case .getAIJob: return ("GET", "/api/v1/ai/jobs/{request_id}")
        }
    }

    var access: Access {
        switch self {
        case .websocket, .editor, .webAsset, .health, .metrics, .openAPI, .wsConfig: return .open
        case .getSheet, .listNotifications, .putUpload, .getUpload, .getAIJob: return .user
        default: return .admin
        }
    }

    /// The largest request body the endpoint takes (413 past it); uploads are capped by
    /// `UPLOAD_MAX_BYTES` separately and streamed to disk.
    var bodyCap: Int {
        switch self {
        case .createRoom, .createSheet, .broadcastNotification: return 64 * 1024
        case .broadcastRoom, .notifyUser: return 256 * 1024
        case .putUpload: return Int.max
        default: return 0
        }
    }

    static func makeRouter() -> Router<Endpoint> {
        var router = Router<Endpoint>()
        for endpoint in allCases { router.add(endpoint.route.method, endpoint.route.path, endpoint) }
        return router
    }
}

/// A complete HTTP request as a REST handler sees it.
struct RESTRequest {
    let head: HTTPRequestHead
    let params: [String: String]
    let body: [UInt8]
    let peer: String
}
