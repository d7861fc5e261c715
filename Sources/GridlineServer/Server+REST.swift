import GridlineHTTP
import GridlineCollab
import GridlineJSON

/// REST wiring (SPEC §9): the guard, then each endpoint to the service that answers it.
/// Handlers run on the loop thread and call `respond` exactly once, possibly later (after a
/// database round trip).
extension Server {
    func handle(_ request: RESTRequest, endpoint: Endpoint?, respond: @escaping (HTTPResponse) -> Void) {
        loop.assertInLoop()
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
        var caller: User?
        if endpoint.access != .open {
            switch admission.authorize(request.head.headers, requireAdmin: endpoint.access == .admin) {
            case .success(let user):
                caller = user
            case .failure(let refusal):
                log(.info, "rest_refused", [("path", .string(request.head.path)), ("peer", .string(request.peer)),
                                            ("reason", .string(refusal.logReason))])
                respond(.jsonError(status: refusal.status, code: refusal.code.rawValue, text: refusal.text))
                return
            }
        }
        /// User endpoints get the caller the guard above admitted.
        func withCaller(_ body: (User) -> Void) {
            guard let caller else { return respond(.jsonError(status: 401, code: "AUTHENTICATION_FAILED", text: "token required")) }
            body(caller)
        }
        switch endpoint {
        case .health:
            store.healthCheck(completion: onLoop { [unowned self] (healthy: Bool) in
                respond(.json(status: 200, self.admin.health(storageOK: healthy)))
            })
        case .editor:
            respond(WebAssets.response(for: "index.html", head: request.head))
        case .webAsset:
            respond(WebAssets.clientFile(request.params["asset"] ?? "", head: request.head))
        case .openAPI:
            respond(.json(status: 200, OpenAPIDocument.document(version: Self.version)))
        case .metrics:
            var headers = HTTPHeaders()
            headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            respond(HTTPResponse(status: 200, headers: headers, body: Array(admin.metricsText().utf8)))
        case .wsHealth:
            respond(.json(status: 200, admin.wsHealth()))
        case .wsConfig:
            respond(.json(status: 200, admin.wsConfig()))
        case .wsStats:
            admin.clusterStats(respond: respond)
        case .wsStatsDetailed:
            respond(.json(status: 200, admin.wsStatsDetailed()))
        case .wsRooms:
            admin.clusterRooms(respond: respond)
        case .broadcastRoom:
            admin.broadcastToRoom(request, respond: respond)
        case .notifyUser:
            admin.notifyUser(request, respond: respond)
        case .deleteConnection:
            admin.disconnect(request, respond: respond)
        case .listRooms:
            roomAdmin.listRooms(respond: respond)
        case .createRoom:
            roomAdmin.createRoom(request, respond: respond)
        case .getRoom:
            roomAdmin.getRoom(request, respond: respond)
        case .deleteRoom:
            roomAdmin.deleteRoom(request, respond: respond)
        case .createSheet:
            roomAdmin.createSheet(request, respond: respond)
        case .getSheet:
            withCaller { roomAdmin.getSheet(request, caller: $0, respond: respond) }
        case .getAIJob:
            withCaller { ai.getAIJob(request, caller: $0, respond: respond) }
        case .broadcastNotification:
            notifications.createNotification(request, respond: respond)
        case .listNotifications:
            withCaller { notifications.listNotifications(request, caller: $0, respond: respond) }
        case .shutdown:
            respond(.json(status: 202, ["status": "shutting_down"]))
            requestShutdown(reason: "REST request")
        case .websocket, .putUpload, .getUpload:
            // HTTPSession answers these itself (upgrade, streamed bodies) and never routes them here.
            respond(.jsonError(status: 404, code: ErrorCode.NOT_FOUND.rawValue, text: "no such endpoint"))
        }
    }
}

extension RESTRequest {
    /// The body, which must be a JSON object; nil after answering 400.
    func jsonObjectBody(respond: (HTTPResponse) -> Void) -> JSONObject? {
        guard let value = try? JSONParser.parse(body), let object = value.objectValue else {
            respond(.jsonError(status: 400, code: ErrorCode.INVALID_MESSAGE.rawValue, text: "body must be a JSON object"))
            return nil
        }
        return object
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
