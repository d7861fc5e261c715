import Foundation
import Glibc
import XCTest

/// A `redis-server` of the test's own on a free loopback port, persistence off, stopped by its
/// PID; it can be killed and started again on the same port. Every test target that needs a
/// Redis uses this one. Throws `XCTSkip` when Redis is not installed (`.ci/run` installs it).
public final class RedisServerProcess: @unchecked Sendable {  // used from the test's thread only; `process` is replaced by start()
    public let port: UInt16
    private var process: Process?

    public init(port: UInt16? = nil) throws {
        self.port = try port ?? Self.freePort()
        try start()
    }

    deinit { stop() }

    public static var executable: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static var isInstalled: Bool { executable != nil }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    public var isRunning: Bool { process?.isRunning ?? false }

    public var pid: Int32? { process?.processIdentifier }

    /// Starts `redis-server` on `port` and waits (≤ 10 s) until it answers PING.
    public func start() throws {
        guard let executable = Self.executable else { throw XCTSkip("redis-server is not installed") }
        guard !isRunning else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no", "--loglevel", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, process.isRunning {
            if Self.canConnect(port: port) { return }
            usleep(20_000)
        }
        kill9()
        throw RedisServerProcessError.didNotStart(port: port)
    }

    /// SIGTERM by PID, SIGKILL if it has not exited within `timeout`.
    public func stop(timeout: TimeInterval = 5) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
    }

    /// SIGKILL by PID: Redis dies mid-whatever, as in a crash; its state is gone (no persistence).
    public func kill9() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Starts it again on the same port (after `stop` or `kill9`); retries while the port is busy.
    public func restart() throws {
        stop()
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                return try start()
            } catch RedisServerProcessError.didNotStart where Date() < deadline {
                usleep(200_000)
            }
        }
    }

    // MARK: Ports

    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw RedisServerProcessError.noFreePort }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether something accepts TCP connections on the loopback port.
    public static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Why a test's Redis could not be used.
public enum RedisServerProcessError: Error {
    case didNotStart(port: UInt16)
    case noFreePort
}
