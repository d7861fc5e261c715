import Foundation
import XCTest

/// Runs `node --test` over Tests/support/web/: gridline.js's reconnection, resync and edit
/// queue against a scripted fake server.
final class WebClientUnitTests: XCTestCase {
    func testGridlineJSReconnectionAndResyncUnitTestsPassUnderNode() throws {
        let node = ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let node else { throw XCTSkip("node is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: node)
        process.arguments = ["--test", "--test-reporter=tap", ServerProcess.packageRoot + "/Tests/support/web/gridline.test.mjs"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var text = Data()
        while process.isRunning, Date() < deadline {
            text.append(output.fileHandleForReading.availableData)
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        text.append(output.fileHandleForReading.readDataToEndOfFile())
        let report = String(decoding: text, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, report)
        let passed = report.split(separator: "\n").first { $0.hasPrefix("# pass ") }
        XCTAssertEqual(passed.map(String.init), "# pass 18", report)
    }
}
