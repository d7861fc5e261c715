import Foundation

/// `Tests/support/browser_editor.py` (Selenium + headless Chromium) as a child process, spoken
/// to in JSON lines: one browser shared by every test of a file, one scenario per request.
final class BrowserDriver: @unchecked Sendable {  // `lines` is guarded by `lock`; the rest is set once
    let process = Process()
    private let input = Pipe()
    private let lock = NSLock()
    private var buffer = Data()
    private var lines: [String] = []
    private var stderrText = ""
    /// Why the browser cannot run (nil when ready).
    private(set) var unavailable: String?

    static var venvPython: String { ServerProcess.packageRoot + "/.build/test-venv/bin/python" }
    static var artifacts: String { ServerProcess.packageRoot + "/.build/artifacts" }

    init() {
        guard FileManager.default.isExecutableFile(atPath: Self.venvPython) else {
            unavailable = "run Tests/support/make-venv.sh first (.ci/run does)"
            return
        }
        process.executableURL = URL(fileURLWithPath: Self.venvPython)
        process.arguments = [ServerProcess.packageRoot + "/Tests/support/browser_editor.py"]
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.buffer.append(data)
            while let newline = self.buffer.firstIndex(of: 10) {
                self.lines.append(String(decoding: self.buffer[self.buffer.startIndex..<newline], as: UTF8.self))
                self.buffer.removeSubrange(self.buffer.startIndex...newline)
            }
            self.lock.unlock()
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.stderrText = String((self.stderrText + String(decoding: data, as: UTF8.self)).suffix(4000))
            self.lock.unlock()
        }
        do {
            try process.run()
        } catch {
            unavailable = "could not start python: \(error)"
            return
        }
        guard let first = nextMessage(timeout: 60) else {
            unavailable = "the browser driver did not start: \(stderr)"
            stop()
            return
        }
        if first["event"] as? String != "ready" {
            unavailable = first["reason"] as? String ?? "browser unavailable"
            stop()
        }
    }

    var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return stderrText
    }

    func send(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return }
        input.fileHandleForWriting.write(data + Data([10]))
    }

    func nextMessage(timeout: TimeInterval) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            let line = lines.isEmpty ? nil : lines.removeFirst()
            lock.unlock()
            if let line {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] { return object }
                continue
            }
            if !process.isRunning { return nil }
            usleep(20_000)
        }
        return nil
    }

    /// Runs one scenario; `onAsk` answers the driver's requests ("stop", "start") on the way.
    func run(_ scenario: String, port: UInt16, timeout: TimeInterval = 180,
             onAsk: (String) throws -> Void = { _ in }) throws -> (ok: Bool, error: String?, details: [String: Any]) {
        send(["scenario": scenario, "port": Int(port), "secret": ServerProcess.secret, "artifacts": Self.artifacts])
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard let message = nextMessage(timeout: max(1, deadline.timeIntervalSinceNow)) else {
                throw NSError(domain: "BrowserDriver", code: 1,
                              userInfo: [NSLocalizedDescriptionKey: "no answer for \(scenario): \(stderr)"])
            }
            switch message["event"] as? String {
            case "ask":
                try onAsk(message["what"] as? String ?? "")
                send(["done": true])
            case "result":
                return (message["ok"] as? Bool ?? false, message["error"] as? String, message["details"] as? [String: Any] ?? [:])
            default:
                continue
            }
        }
    }

    func stop() {
        guard process.isRunning else { return }
        send(["scenario": "quit"])
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
