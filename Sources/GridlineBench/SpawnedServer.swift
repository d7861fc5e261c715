import Foundation
import Glibc

/// A `gridline serve` the bench starts itself (`--spawn-server`): this same executable, on the
/// bench's port and a data directory of its own, its stdout and stderr appended to
/// `<data dir>/server.log`. Scenarios that must restart the server (the formulas scenario's
/// graph rebuild) need one; every wait here is bounded.
final class SpawnedServer {
    let executable: String
    let dataDirectory: String
    let address: ServerAddress
    let environment: [String: String]
    private(set) var pid: pid_t = 0

    var logPath: String { dataDirectory + "/server.log" }

    init(address: ServerAddress, dataDirectory: String, environment: [String: String]) throws(BenchFailure) {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw BenchFailure("cannot find this executable (/proc/self/exe) to start the server")
        }
        self.executable = executable
        self.dataDirectory = dataDirectory
        self.address = address
        self.environment = environment
    }

    /// Starts the server and waits (at most `timeout` seconds) until its port accepts connections.
    func start(timeout: Double) throws(BenchFailure) {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw BenchFailure("cannot create \(dataDirectory): \(error)")
        }
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else { throw BenchFailure("cannot open \(logPath)") }
        defer { close(logFD) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logFD, 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        let arguments = [executable, "serve", "--host", address.text, "--port", String(address.port), "--data-dir", dataDirectory]
        let environmentLines = environment.map { "\($0.key)=\($0.value)" }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environmentLines.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard status == 0 else { throw BenchFailure("posix_spawn \(executable): \(String(cString: strerror(status)))") }
        pid = child
        let deadline = BenchClock.now() + BenchClock.nanoseconds(timeout)
        while BenchClock.now() < deadline {
            if accepts() { return }
            var exitStatus: Int32 = 0
            if waitpid(pid, &exitStatus, WNOHANG) == pid {
                pid = 0
                throw BenchFailure("the server exited at start (status \(exitStatus)); see \(logPath)")
            }
            usleep(20_000)
        }
        stop(timeout: 5)
        throw BenchFailure("the server did not listen on \(address.text):\(address.port) within \(timeout) s; see \(logPath)")
    }

    /// SIGTERM (graceful shutdown), then SIGKILL if it is still there after `timeout` seconds.
    /// Returns the seconds it took to exit.
    @discardableResult
    func stop(timeout: Double) -> Double {
        guard pid > 0 else { return 0 }
        let start = BenchClock.now()
        kill(pid, SIGTERM)
        let deadline = start + BenchClock.nanoseconds(timeout)
        var exitStatus: Int32 = 0
        while BenchClock.now() < deadline {
            if waitpid(pid, &exitStatus, WNOHANG) == pid {
                pid = 0
                return Double(BenchClock.now() - start) / 1e9
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &exitStatus, 0)
        pid = 0
        return Double(BenchClock.now() - start) / 1e9
    }

    /// Whether a TCP connect to the server's address succeeds right now.
    private func accepts() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var socketAddress = address.socketAddress
        return withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// The server's log lines (JSON, one per line) whose `event` is `event`, oldest first.
    func logEvents(_ event: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard line.contains("\"\(event)\""),
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["event"] as? String == event else { return nil }
            return object
        }
    }
}
