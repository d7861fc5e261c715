import GridlineJSON

/// The OpenAPI 3.1 description of every HTTP endpoint, served at `GET /api/v1/openapi.json`.
/// Paths, methods and security come from `Endpoint` itself, so a new route cannot be left out
/// (the switch below is exhaustive); `OpenAPIEndToEndTests` checks the served document against
/// the router and runs schemathesis against the live server.
enum OpenAPIDocument {
    static func document(version: String) -> JSONValue {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "Gridline REST API",
                "version": .string(version),
                "description": .string(description),
            ],
            "servers": [["url": "/"]],
            "paths": paths,
            "components": [
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                   "description": "HS256 JWT (SPEC §2); admin endpoints need role `admin`."],
                    "queryToken": ["type": "apiKey", "in": "query", "name": "token",
                                   "description": "The same JWT as `?token=`, accepted by the WebSocket upgrade only."],
                ],
                "schemas": OpenAPISchemas.components,
                "responses": OpenAPIResponses.components,
            ],
        ]
    }

    private static let description = """
        Administration and discovery endpoints of Gridline (SPEC §9). The live protocol runs over the \
        WebSocket at `/api/v1/ws`. Every error body is `{"error": text, "code": CODE}`. Besides the \
        statuses listed per operation, any request may get a connection-level error (the connection is \
        then closed): 400 malformed request, 413 body too large, 414 request target too long, 431 header \
        fields too large, 501 unsupported transfer coding, 505 HTTP version not supported. A known path \
        with another method gets 405 with `Allow`; an unknown path 404.
        """

    private static var paths: JSONValue {
        var byPath: [(String, [(String, JSONValue)])] = []
        for endpoint in Endpoint.allCases {
            let (method, path) = endpoint.route
            let entry = (method.lowercased(), operation(endpoint))
            if let index = byPath.firstIndex(where: { $0.0 == path }) {
                byPath[index].1.append(entry)
            } else {
                byPath.append((path, [entry]))
            }
        }
        return .object(JSONObject(byPath.map { ($0.0, .object(JSONObject($0.1))) }))
    }

    /// One operation: the endpoint's own description plus what its access level and body cap imply.
    private static func operation(_ endpoint: Endpoint) -> JSONValue {
        let spec = OpenAPIOperations.describe(endpoint)
        var members: [(String, JSONValue)] = [
            ("operationId", .string(endpoint.rawValue)),
            ("summary", .string(spec.summary)),
            ("tags", [.string(spec.tag)]),
        ]
        if let details = spec.details { members.append(("description", .string(details))) }
        if !spec.parameters.isEmpty { members.append(("parameters", .array(spec.parameters))) }
        if let body = spec.requestBody { members.append(("requestBody", body)) }
        var responses = spec.responses
        switch endpoint.access {
        case .open:
            members.append(("security", spec.security ?? []))
        case .user, .admin:
            members.append(("security", spec.security ?? [["bearerAuth": []]]))
            responses.append((401, OpenAPIResponses.use("Unauthorized")))
            if endpoint.access == .admin || spec.userMayBeForbidden {
                responses.append((403, OpenAPIResponses.use("Forbidden")))
            }
        }
        if endpoint.bodyCap > 0 { responses.append((413, OpenAPIResponses.use("PayloadTooLarge"))) }
        responses.sort { $0.0 < $1.0 }
        members.append(("responses", .object(JSONObject(responses.map { (String($0.0), $0.1) }))))
        return .object(JSONObject(members))
    }
}

/// Reusable responses: the success helpers and one component per error status and code.
enum OpenAPIResponses {
    static func use(_ name: String) -> JSONValue { ["$ref": .string("#/components/responses/\(name)")] }

    static func json(_ description: String, _ schema: JSONValue) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    static func json(_ description: String, schema name: String) -> JSONValue {
        json(description, OpenAPISchemas.ref(name))
    }

    static func content(_ description: String, type: String, schema: JSONValue = ["type": "string"]) -> JSONValue {
        ["description": .string(description), "content": [type: ["schema": schema]]]
    }

    /// An error body whose `code` is exactly `code`.
    static func error(_ description: String, code: String) -> JSONValue {
        json(description, ["allOf": [OpenAPISchemas.ref("Error"), ["properties": ["code": ["const": .string(code)]]]]])
    }

    static var components: JSONValue {
        [
            "BadRequest": error("The body or a parameter is invalid; the text names the field.", code: "INVALID_MESSAGE"),
            "Unauthorized": error("Missing, malformed, expired or badly signed bearer token.", code: "AUTHENTICATION_FAILED"),
            "Forbidden": error("The token's role or room list does not allow this.", code: "PERMISSION_DENIED"),
            "NotFound": error("No such resource.", code: "NOT_FOUND"),
            "Conflict": error("The id is already taken (or the upload is not in a state to take bytes).", code: "INVALID_MESSAGE"),
            "PayloadTooLarge": error("The body is larger than this endpoint takes.", code: "PAYLOAD_TOO_LARGE"),
        ]
    }
}
