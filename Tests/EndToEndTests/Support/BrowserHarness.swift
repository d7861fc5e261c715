import Foundation
import XCTest

/// The official Socket.IO JavaScript client in headless Chromium (`Tests/support/socketio_browser.py`
/// over Selenium) and a Gridline server that allows the driver's test page origin. Started once
/// and shared by a test file: one browser, one server, a tab per client. Commands and answers
/// are JSON lines on the driver's stdin and stdout.
final class BrowserHarness: @unchecked Sendable {  // used by one test at a time; `output` guards its own buffers
    let server: ServerProcess
    /// The page origin the server allows, and one it does not (both the driver's, on loopback).
    let allowedOrigin: String
    let deniedOrigin: String
    let clientBanner: String
    private let driver = Process()
    private let input = Pipe()
    private let output = LineBuffer()
    private let diagnostics = LineBuffer()

    static var driverScript: String { ServerProcess.packageRoot + "/Tests/support/socketio_browser.py" }
    /// Where the client script taken from the wheel is kept between runs (never committed).
    static var clientCache: String { ServerProcess.packageRoot + "/.build/socketio-client/socket.io-4.8.1.min.js" }

    /// Throws `XCTSkip` when the venv, the browser or the client script cannot be had.
    init() throws {
        guard FileManager.default.isExecutableFile(atPath: IndependentClientTests.venvPython) else {
            throw XCTSkip("run Tests/support/make-venv.sh first (.ci/run does)")
        }
        driver.executableURL = URL(fileURLWithPath: IndependentClientTests.venvPython)
        driver.arguments = ["-u", Self.driverScript, Self.clientCache]
        let stdout = Pipe()
        let stderr = Pipe()
        driver.standardInput = input
        driver.standardOutput = stdout
        driver.standardError = stderr
        output.follow(stdout)
        diagnostics.follow(stderr)
        try driver.run()
        // The first run downloads the wheel (about 13 MB); later ones read the cache.
        guard let first = output.nextLine(timeout: 150).flatMap(Self.object) else {
            let text = diagnostics.text
            Self.stop(driver)
            throw NSError(domain: "BrowserHarness", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "the browser driver said nothing: \(text.suffix(2000))"])
        }
        if first["event"] as? String == "skip" {
            Self.stop(driver)
            throw XCTSkip(first["reason"] as? String ?? "the browser driver cannot run here")
        }
        guard first["event"] as? String == "ready", let allowed = first["allowed_origin"] as? String,
              let denied = first["denied_origin"] as? String else {
            Self.stop(driver)
            throw NSError(domain: "BrowserHarness", code: 2, userInfo: [NSLocalizedDescriptionKey: "driver: \(first)"])
        }
        allowedOrigin = allowed
        deniedOrigin = denied
        clientBanner = first["client_banner"] as? String ?? ""
        do {
            server = try ServerProcess(environment: ["WEBSOCKET_ALLOWED_ORIGINS": allowed])
        } catch {
            Self.stop(driver)
            throw error
        }
    }

    var serverURL: String { "http://127.0.0.1:\(server.port)" }

    /// Sends one command and returns the driver's `result`; a driver error or silence throws.
    func run(_ command: [String: Any], timeout: TimeInterval = 60) throws -> [String: Any] {
        var line = try JSONSerialization.data(withJSONObject: command)
        line.append(0x0A)
        input.fileHandleForWriting.write(line)
        guard let answer = output.nextLine(timeout: timeout).flatMap(Self.object) else {
            throw NSError(domain: "BrowserHarness", code: 3, userInfo: [NSLocalizedDescriptionKey:
                "no answer to \(command["cmd"] ?? "?") within \(timeout) s; driver: \(diagnostics.text.suffix(2000))"])
        }
        guard answer["event"] as? String == "result", let result = answer["result"] as? [String: Any] else {
            throw NSError(domain: "BrowserHarness", code: 4, userInfo: [NSLocalizedDescriptionKey:
                "driver failed: \(answer["message"] ?? answer)"])
        }
        return result
    }

    /// Quits the browser (the driver does on `quit` or end of input), then the server.
    func stop() {
        if driver.isRunning {
            input.fileHandleForWriting.write(Data("{\"cmd\":\"quit\"}\n".utf8))
            try? input.fileHandleForWriting.close()
        }
        Self.stop(driver)
        server.stop()
    }

    /// Waits for the driver to end, then SIGTERM (it quits Chromium on the way out), then SIGKILL.
    private static func stop(_ process: Process) {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let killDeadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < killDeadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func object(_ line: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }
}

/// Text read from a pipe by its readability handler, taken a line at a time.
final class LineBuffer: @unchecked Sendable {  // every access goes through `lock`
    private let lock = NSLock()
    private var pending = ""
    private var all = ""

    func follow(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            let text = String(decoding: data, as: UTF8.self)
            self.lock.lock()
            self.pending += text
            self.all += text
            self.lock.unlock()
        }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return all
    }

    /// The next complete line, or nil after `timeout`.
    func nextLine(timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            lock.lock()
            if let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending.removeSubrange(...newline)
                lock.unlock()
                return line
            }
            lock.unlock()
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
    }
}
