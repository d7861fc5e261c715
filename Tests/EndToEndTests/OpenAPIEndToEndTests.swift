import Foundation
@testable import GridlineServer
import XCTest

/// `GET /api/v1/openapi.json` against the router it describes, and schemathesis against the
/// live server it describes.
final class OpenAPIEndToEndTests: XCTestCase {
    private func fetchDocument(_ server: ServerProcess) throws -> [String: Any] {
        let response = try REST.call(server.port, "GET", "/api/v1/openapi.json", token: nil)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"]?.hasPrefix("application/json"), true)
        return try XCTUnwrap(response.json, "the document is not a JSON object")
    }

    /// (method, path) of every operation in the document, methods upper-cased.
    private func operations(_ document: [String: Any]) throws -> [(method: String, path: String, operation: [String: Any])] {
        let paths = try XCTUnwrap(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        return paths.flatMap { path, item in
            item.compactMap { key, value in
                methods.contains(key) ? (key.uppercased(), path, value as? [String: Any] ?? [:]) : nil
            }
        }
    }

    func testDocumentIsOpenAPI3AndListsExactlyTheRoutedEndpoints() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let document = try fetchDocument(server)
        let version = try XCTUnwrap(document["openapi"] as? String)
        XCTAssertTrue(version.hasPrefix("3."), "openapi is \(version)")
        XCTAssertNotNil((document["info"] as? [String: Any])?["version"] as? String)

        let documented = Set(try operations(document).map { "\($0.method) \($0.path)" })
        let routed = Set(Endpoint.makeRouter().routes.map { "\($0.method) \($0.pattern)" })
        XCTAssertEqual(routed.count, Endpoint.allCases.count)
        XCTAssertEqual(documented.subtracting(routed).sorted(), [], "documented but not routed")
        XCTAssertEqual(routed.subtracting(documented).sorted(), [], "routed but not documented")
    }

    func testEveryOperationDeclaresItsParametersSecurityAndErrors() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let document = try fetchDocument(server)
        let byRoute = Dictionary(uniqueKeysWithValues: Endpoint.allCases.map { ("\($0.route.method) \($0.route.path)", $0) })
        for (method, path, operation) in try operations(document) {
            let name = "\(method) \(path)"
            let endpoint = try XCTUnwrap(byRoute[name], name)
            XCTAssertEqual(operation["operationId"] as? String, endpoint.rawValue, name)
            let responses = try XCTUnwrap(operation["responses"] as? [String: Any], name)
            XCTAssertFalse(responses.isEmpty, name)
            XCTAssertNil(responses["default"], "\(name): a default response would hide undocumented statuses")

            let templated = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            let parameters = operation["parameters"] as? [[String: Any]] ?? []
            let declared = Set(parameters.filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String })
            XCTAssertEqual(declared, templated, "\(name): path parameters")

            let security = try XCTUnwrap(operation["security"] as? [[String: Any]], "\(name): security")
            switch endpoint.access {
            case .open where endpoint != .websocket:
                XCTAssertTrue(security.isEmpty, "\(name) needs no token")
            case .open, .user, .admin:
                XCTAssertTrue(security.contains { $0["bearerAuth"] != nil }, "\(name) takes a bearer token")
                XCTAssertNotNil(responses["401"], "\(name) answers 401")
            }
            if endpoint.access == .admin { XCTAssertNotNil(responses["403"], "\(name) answers 403 to non-admins") }
            if endpoint.bodyCap > 0 {
                XCTAssertNotNil(operation["requestBody"], "\(name) takes a body")
                XCTAssertNotNil(responses["413"], "\(name) answers 413")
            }
        }
    }

    func testEveryReferenceResolves() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let document = try fetchDocument(server)
        var references: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let ref = object["$ref"] as? String { references.append(ref) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        XCTAssertFalse(references.isEmpty)
        for reference in Set(references) {
            XCTAssertTrue(reference.hasPrefix("#/"), reference)
            var node: Any? = document
            for key in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(key)] }
            XCTAssertNotNil(node, "\(reference) does not resolve")
        }
    }

    func testAnswersMatchTheDocumentedShapes() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let document = try fetchDocument(server)
        let schemas = try XCTUnwrap((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]])
        func requiredFields(_ schema: String) -> Set<String> { Set(schemas[schema]?["required"] as? [String] ?? []) }

        let room = try REST.call(server.port, "POST", "/api/v1/rooms", body: ["name": "OpenAPI room"])
        XCTAssertEqual(room.status, 201)
        XCTAssertEqual(Set((room.json ?? [:]).keys), requiredFields("Room"))
        let roomID = try XCTUnwrap(room.json?["room_id"] as? String)
        let sheet = try REST.call(server.port, "POST", "/api/v1/rooms/\(roomID)/sheets", body: ["name": "S"])
        XCTAssertEqual(sheet.status, 201)
        XCTAssertEqual(Set((sheet.json ?? [:]).keys), requiredFields("Sheet"))
        let missing = try REST.call(server.port, "GET", "/api/v1/rooms/no-such-room")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(Set((missing.json ?? [:]).keys), requiredFields("Error"))
        let health = try REST.call(server.port, "GET", "/api/v1/health", token: nil)
        XCTAssertEqual(Set((health.json ?? [:]).keys), requiredFields("Health"))
    }

    /// Property-based: schemathesis generates valid and invalid requests for every operation from
    /// the document; every answer must match it and none may be a 5xx. Bounded by the script.
    func testSchemathesisFindsNoServerErrorsOrUndocumentedAnswers() throws {
        let root = ServerProcess.packageRoot
        guard FileManager.default.isExecutableFile(atPath: root + "/.build/test-venv/bin/schemathesis") else {
            throw XCTSkip("schemathesis is not installed: run Tests/support/make-venv.sh first (.ci/run does)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root + "/Tests/support/run-schemathesis.sh"]
        var environment = ProcessInfo.processInfo.environment
        environment["GRIDLINE_BIN"] = ServerProcess.binaryPath
        environment["TIME_LIMIT"] = "300"
        process.environment = environment
        let logPath = NSTemporaryDirectory() + "gridline-schemathesis-\(UUID().uuidString).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(360)
        while process.isRunning, Date() < deadline { usleep(100_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try log.close()
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, String(output.suffix(12_000)))
        if process.terminationStatus == 0 { try? FileManager.default.removeItem(atPath: logPath) }
    }
}
