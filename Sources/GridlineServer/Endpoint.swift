import GridlineHTTP

/// Every HTTP endpoint, routed by `Router<Endpoint>` and answered in `Server+REST.swift`.
enum Endpoint: String, Sendable, CaseIterable {
    case websocket
    case health
    case demo

    var method: String {
        switch self {
        case .websocket, .health, .demo: return "GET"
        }
    }

    var path: String {
        switch self {
        case .websocket: return "/api/v1/ws"
        case .health: return "/api/v1/health"
        case .demo: return "/"
        }
    }

    /// The largest request body the endpoint takes (413 past it).
    var bodyCap: Int {
        switch self {
        case .websocket, .health, .demo: return 0
        }
    }

    static func makeRouter() -> Router<Endpoint> {
        var router = Router<Endpoint>()
        for endpoint in allCases { router.add(endpoint.method, endpoint.path, endpoint) }
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
