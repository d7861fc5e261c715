import Foundation
import XCTest

/// python-socketio's AsyncClient, a stock Socket.IO client, in each transport mode (SPEC §12):
/// rooms, acked edits, other clients' edits, conflicts, refusals, a bad token, reconnect and
/// sync. The assertions on returned values live in `Tests/support/socketio_client.py`.
final class SocketIOClientTests: XCTestCase {
    func testPythonSocketIOClientOverLongPolling() throws {
        try runFlows(mode: "polling")
    }

    func testPythonSocketIOClientOverWebSocket() throws {
        try runFlows(mode: "websocket")
    }

    func testPythonSocketIOClientUpgradedFromPollingToWebSocket() throws {
        try runFlows(mode: "upgrade")
    }

    private func runFlows(mode: String) throws {
        guard FileManager.default.isExecutableFile(atPath: IndependentClientTests.venvPython) else {
            throw XCTSkip("run Tests/support/make-venv.sh first (.ci/run does)")
        }
        let server = try ServerProcess(environment: ["WEBSOCKET_REQUESTS_PER_MINUTE": "10000"])
        defer { server.stop() }
        let (status, text) = try PythonScript.run("socketio_client.py", [
            mode, String(server.port), Tokens.make(user: "alice"), Tokens.make(user: "bob"),
            Tokens.make(user: "vic", role: "viewer"),
        ], timeout: 90)
        XCTAssertEqual(status, 0, text + "\nserver log:\n" + server.log.suffix(4000))
        XCTAssertTrue(text.contains("OK \(mode)"), text)
    }
}

/// Runs a script of `Tests/support/` with the test venv's Python, bounded in time.
enum PythonScript {
    static func run(_ script: String, _ arguments: [String], timeout: TimeInterval) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: IndependentClientTests.venvPython)
        process.arguments = [ServerProcess.packageRoot + "/Tests/support/" + script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let collected = OutputBuffer()
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        return (process.terminationStatus, collected.text)
    }
}

/// Output read on the pipe's thread, taken on the test's.
final class OutputBuffer: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var data = Data()

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
