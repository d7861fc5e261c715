import Foundation
import XCTest

/// The real `gridline serve` binary started as a child process on a free loopback port, with its
/// own temporary data directory. Stopped by PID (SIGTERM, then SIGKILL) when the test ends.
final class ServerProcess: @unchecked Sendable {  // the log buffer is guarded by `lock`; the rest is set once
    let process = Process()
    let dataDirectory: String
    private(set) var port: UInt16 = 0
    private let lock = NSLock()
    private var logText = ""
    private var stdoutText = ""
    static let secret = "test-secret-0123456789abcdef0123456789abcdef"

    /// The built `gridline` next to the test bundle (swift test builds every product).
    static var binaryPath: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("gridline").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug/gridline"
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// `defaultSIGPIPE`: start the server with SIGPIPE at its default action (the test runner
    /// ignores it, and children inherit that), as it is when started from a shell.
    init(environment: [String: String] = [:], dataDirectory: String? = nil, useSecret: Bool = true,
         defaultSIGPIPE: Bool = false) throws {
        self.dataDirectory = dataDirectory ?? NSTemporaryDirectory() + "gridline-e2e-" + UUID().uuidString
        var env = ProcessInfo.processInfo.environment
        env["GRIDLINE_HOST"] = "127.0.0.1"
        env["GRIDLINE_PORT"] = "0"
        env["GRIDLINE_DATA_DIR"] = self.dataDirectory
        env["GRIDLINE_MIGRATIONS_DIR"] = Self.packageRoot + "/Migrations"
        env["GRIDLINE_SEED_DIR"] = Self.packageRoot + "/seed"
        if useSecret { env["JWT_SECRET_KEY"] = Self.secret } else { env["JWT_SECRET_KEY"] = nil }
        for (key, value) in environment { env[key] = value }
        if defaultSIGPIPE {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["--default-signal=PIPE", Self.binaryPath, "serve"]
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binaryPath)
            process.arguments = ["serve"]
        }
        process.environment = env
        let errPipe = Pipe()
        let outPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = outPipe
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.logText += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.stdoutText += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let port = listeningPort() {
                self.port = port
                return
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        stop()
        throw NSError(domain: "ServerProcess", code: 1, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(log)"])
    }

    private func listeningPort() -> UInt16? {
        for line in log.split(separator: "\n") where line.contains("\"event\":\"listening\"") {
            if let range = line.range(of: "\"port\":") {
                let digits = line[range.upperBound...].prefix { $0.isNumber }
                return UInt16(digits)
            }
        }
        return nil
    }

    var log: String {
        lock.lock()
        defer { lock.unlock() }
        return logText
    }

    var standardOutput: String {
        lock.lock()
        defer { lock.unlock() }
        return stdoutText
    }

    var pid: Int32 { process.processIdentifier }

    /// SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit status (or -1 if killed).
    @discardableResult
    func stop(timeout: TimeInterval = 10) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }

    func kill9() {
        guard process.isRunning else { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    deinit {
        if process.isRunning { kill9() }
    }
}
