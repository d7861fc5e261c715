import Glibc

/// A process the bench starts itself (a server, Redis, a peer): spawned with stdin from
/// /dev/null and stdout and stderr appended to a log file, waited for until its port accepts
/// connections, and stopped by its PID only. Every wait is bounded.
final class ChildProcess {
    let name: String
    let arguments: [String]
    let environment: [String: String]
    let logPath: String
    let address: ServerAddress
    private(set) var pid: pid_t = 0

    init(name: String, arguments: [String], environment: [String: String], logPath: String, address: ServerAddress) {
        self.name = name
        self.arguments = arguments
        self.environment = environment
        self.logPath = logPath
        self.address = address
    }

    /// Spawns `arguments[0]` (a path, or a name looked up in PATH) and waits at most `timeout`
    /// seconds for `address` to accept a TCP connection.
    func start(timeout: Double) throws(BenchFailure) {
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else { throw BenchFailure("cannot open \(logPath)") }
        defer { close(logFD) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logFD, 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        // posix_spawnp: `redis-server` and `python3` are found through PATH like a shell would.
        let status = posix_spawnp(&child, arguments[0], &actions, nil, argv, envp)
        guard status == 0 else { throw BenchFailure("cannot start \(arguments[0]): \(String(cString: strerror(status)))") }
        pid = child
        let deadline = BenchClock.now() + BenchClock.nanoseconds(timeout)
        while BenchClock.now() < deadline {
            if Self.accepts(address) { return }
            var exitStatus: Int32 = 0
            if waitpid(pid, &exitStatus, WNOHANG) == pid {
                pid = 0
                throw BenchFailure("\(name) exited at start (status \(exitStatus)); see \(logPath)")
            }
            usleep(20_000)
        }
        stop(timeout: 5)
        throw BenchFailure("\(name) did not listen on \(address.text):\(address.port) within \(timeout) s; see \(logPath)")
    }

    /// SIGTERM, then SIGKILL if it is still there after `timeout` seconds. Returns the seconds
    /// it took to exit.
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

    /// Whether a TCP connect to `address` succeeds right now.
    static func accepts(_ address: ServerAddress) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var socketAddress = address.socketAddress
        return withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// A loopback port nobody listens on right now (bound to port 0, then released). Another
    /// process could take it before the child binds it; the child's start then fails loudly.
    static func freePort() -> UInt16? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var socketAddress = ServerAddress(host: "127.0.0.1", port: 0)!.socketAddress
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { return nil }
        return UInt16(bigEndian: socketAddress.sin_port)
    }
}
