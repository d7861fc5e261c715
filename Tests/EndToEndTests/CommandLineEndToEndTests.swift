import Foundation
import XCTest

/// The `gridline` subcommands as a newcomer runs them: settings refusals, the development
/// secret, `token` and `migrate`.
final class CommandLineEndToEndTests: XCTestCase {
    /// Runs the binary to completion (bounded); returns exit status, stdout and stderr.
    func run(_ arguments: [String], environment: [String: String], timeout: TimeInterval = 20) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.binaryPath)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["JWT_SECRET_KEY"] = nil
        env["GRIDLINE_MIGRATIONS_DIR"] = ServerProcess.packageRoot + "/Migrations"
        env["GRIDLINE_SEED_DIR"] = ServerProcess.packageRoot + "/seed"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus,
                String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    func temporaryDirectory() -> String { NSTemporaryDirectory() + "gridline-cli-" + UUID().uuidString }

    func testBadSettingsStopStartUpWithOneLineNamingTheVariable() throws {
        let dir = temporaryDirectory()
        for (name, value) in [("WEBSOCKET_PING_INTERVAL", "soon"), ("GRIDLINE_PORT", "99999"), ("WEBSOCKET_MAX_MESSAGE_BYTES", "-5"),
                              ("JWT_SECRET_KEY", "too-short"), ("GRIDLINE_LOG_LEVEL", "loud")] {
            var environment = ["GRIDLINE_DATA_DIR": dir, "GRIDLINE_PORT": "0"]
            environment[name] = value
            let (status, _, stderr) = try run(["serve"], environment: environment)
            XCTAssertNotEqual(status, 0, name)
            let lines = stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "one line: \(stderr)")
            XCTAssertTrue(stderr.contains(name), "\(stderr) names \(name)")
        }
    }

    func testDevelopmentSecretIsCreatedPrivateReusedAndItsAdminTokenWorks() throws {
        let dir = temporaryDirectory()
        let first = try ServerProcess(dataDirectory: dir, useSecret: false)
        let deadline = Date().addingTimeInterval(5)
        while !first.standardOutput.contains("table editor:"), Date() < deadline { usleep(20_000) }
        let printed = first.standardOutput
        XCTAssertTrue(printed.contains("admin token"))
        let token = try XCTUnwrap(printed.split(separator: "\n").first { $0.hasPrefix("admin token") }?.split(separator: " ").last)
        XCTAssertTrue(printed.contains("http://127.0.0.1:\(first.port)/?token="))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/dev-jwt-secret")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try REST.call(first.port, "GET", "/api/v1/ws/stats", token: String(token)).status, 200)
        XCTAssertEqual(first.stop(), 0)
        // A restart reuses the secret: the earlier token still works.
        let second = try ServerProcess(dataDirectory: dir, useSecret: false)
        defer { second.stop() }
        XCTAssertEqual(try REST.call(second.port, "GET", "/api/v1/ws/stats", token: String(token)).status, 200)
        let page = try REST.call(second.port, "GET", "/", token: nil)
        let html = String(decoding: page.body, as: UTF8.self)
        XCTAssertTrue(html.contains("<title>Gridline</title>") && html.contains("data-connection-state"), html)
    }

    func testTokenCommandOutputConnectsWithItsRoleAndRooms() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let (status, stdout, _) = try run(["token", "--user", "tess", "--username", "Tess", "--role", "viewer", "--ttl", "600",
                                           "--rooms", "demo,ops"], environment: ["JWT_SECRET_KEY": ServerProcess.secret])
        XCTAssertEqual(status, 0)
        let token = stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let client = try TestClient(port: server.port, token: token)
        let established = try XCTUnwrap(client.expect("connection_established"))
        let user = try XCTUnwrap(established["user"] as? [String: Any])
        XCTAssertEqual(user["user_id"] as? String, "tess")
        XCTAssertEqual(user["username"] as? String, "Tess")
        XCTAssertEqual(user["role"] as? String, "viewer")
        XCTAssertNotEqual(try run(["token", "--role", "editor"], environment: ["JWT_SECRET_KEY": ServerProcess.secret]).0, 0)
        XCTAssertNotEqual(try run(["token", "--user", "x", "--role", "root"], environment: ["JWT_SECRET_KEY": ServerProcess.secret]).0, 0)
    }

    func testMigrateWorksOnANewAndOnAnExistingDataDirectory() throws {
        let dir = temporaryDirectory()
        let (fresh, freshOut, freshErr) = try run(["migrate", "--data-dir", dir], environment: [:])
        XCTAssertEqual(fresh, 0, freshErr)
        XCTAssertTrue(freshOut.contains("migrations applied: 1"), freshOut)
        let (again, againOut, _) = try run(["migrate", "--data-dir", dir], environment: [:])
        XCTAssertEqual(again, 0)
        XCTAssertTrue(againOut.contains("migrations applied: \n") || againOut.hasSuffix("migrations applied: \n"), againOut)
        // serve on that directory loads the seed into the (still empty) database.
        let server = try ServerProcess(dataDirectory: dir)
        defer { server.stop() }
        XCTAssertEqual(try REST.call(server.port, "GET", "/api/v1/rooms/demo").status, 200)
    }
}
