import Foundation
import XCTest

/// Clients we did not write: Python's `websockets` against the real server.
final class IndependentClientTests: XCTestCase {
    static var venvPython: String { ServerProcess.packageRoot + "/.build/test-venv/bin/python" }

    func testPythonWebsocketsClientConnectsPingsAndClosesCleanly() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.venvPython) else {
            throw XCTSkip("run Tests/support/make-venv.sh first (.ci/run does)")
        }
        let server = try ServerProcess()
        defer { server.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.venvPython)
        process.arguments = [ServerProcess.packageRoot + "/Tests/support/python_client.py", String(server.port),
                             Tokens.make(user: "python")]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("OK"), text)
    }
}
