import Foundation

/// A `gridline serve` the bench starts itself (`--spawn-server`): this same executable, on the
/// bench's port and a data directory of its own, its stdout and stderr appended to
/// `<data dir>/server.log`. Scenarios that must restart the server (the formulas scenario's
/// graph rebuild) need one, and the cluster scenario starts several; every wait here is bounded.
final class SpawnedServer {
    let executable: String
    let dataDirectory: String
    let address: ServerAddress
    let environment: [String: String]
    /// Where its output goes; servers sharing a data directory (a cluster on one host) each need their own.
    let logPath: String
    private var process: ChildProcess?

    var pid: pid_t { process?.pid ?? 0 }

    init(address: ServerAddress, dataDirectory: String, environment: [String: String],
         logName: String = "server.log") throws(BenchFailure) {
        logPath = dataDirectory + "/" + logName
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
        let arguments = [executable, "serve", "--host", address.text, "--port", String(address.port), "--data-dir", dataDirectory]
        let child = ChildProcess(name: "the server", arguments: arguments, environment: environment, logPath: logPath,
                                 address: address)
        process = child
        try child.start(timeout: timeout)
    }

    /// SIGTERM (graceful shutdown), then SIGKILL if it is still there after `timeout` seconds.
    /// Returns the seconds it took to exit.
    @discardableResult
    func stop(timeout: Double) -> Double {
        process?.stop(timeout: timeout) ?? 0
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
