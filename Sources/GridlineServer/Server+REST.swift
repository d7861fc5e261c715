import Foundation
import GridlineHTTP
import GridlineJSON

/// REST answers (SPEC §9). Handlers run on the loop thread and call `respond` exactly once,
/// possibly later (after a database round trip).
extension Server {
    static let version = "0.1.0"

    func handle(_ request: RESTRequest, endpoint: Endpoint?, respond: @escaping (HTTPResponse) -> Void) {
        guard let endpoint else {
            switch restRouter.match(method: request.head.method, path: request.head.path) {
            case .methodNotAllowed(let allowed):
                var response = HTTPResponse.jsonError(status: 405, code: "INVALID_MESSAGE", text: "method not allowed")
                response.headers.set("Allow", allowed.joined(separator: ", "))
                respond(response)
            default:
                respond(.jsonError(status: 404, code: ErrorCode.NOT_FOUND.rawValue, text: "no such endpoint"))
            }
            return
        }
        switch endpoint {
        case .websocket:
            respond(.jsonError(status: 400, code: "INVALID_MESSAGE", text: "WebSocket upgrade expected"))
        case .health:
            respond(.json(status: 200, health()))
        case .demo:
            var headers = HTTPHeaders()
            headers.set("Content-Type", "text/html; charset=utf-8")
            respond(HTTPResponse(status: 200, headers: headers, body: Array(DemoPage.html.utf8)))
        }
    }

    private func health() -> JSONValue {
        let storageOK = FileManager.default.isWritableFile(atPath: settings.dataDirectory)
        return [
            "status": "ok",
            "storage": .string(storageOK ? "ok" : "down"),
            "version": .string(Self.version),
            "uptime_seconds": JSONValue(Int(Date().timeIntervalSince(startedAt))),
        ]
    }
}

extension HTTPResponse {
    static func json(status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse.json(status: status, body: value.serialized())
    }

    /// The REST error shape of SPEC §9: `{"error": text, "code": CODE}`.
    static func jsonError(status: Int, code: String, text: String) -> HTTPResponse {
        json(status: status, ["error": .string(text), "code": .string(code)])
    }
}
