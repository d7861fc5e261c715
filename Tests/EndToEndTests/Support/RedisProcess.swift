import Foundation
import Glibc
import XCTest

/// A `redis-server` of the test's own on a free loopback port, persistence off, stopped by its
/// PID. It can be killed and started again on the same port, and answers commands through a tiny
/// synchronous RESP client (`command`). Throws `XCTSkip` when Redis is not installed.
final class RedisProcess: @unchecked Sendable {  // used from the test's thread only; `process` is replaced by start()
    let port: UInt16
    private var process: Process?

    init(port: UInt16? = nil) throws {
        self.port = try port ?? Self.freePort()
        try start()
    }

    deinit { stop() }

    static var executable: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var isInstalled: Bool { executable != nil }

    var url: String { "redis://127.0.0.1:\(port)/0" }

    var isRunning: Bool { process?.isRunning ?? false }

    var pid: Int32? { process?.processIdentifier }

    /// Starts `redis-server` on `port` and waits (≤ 10 s) until it answers PING.
    func start() throws {
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
            if (try? command(["PING"], timeout: 0.5)) == .simple("PONG") { return }
            usleep(20_000)
        }
        kill9()
        throw RedisProcessError.didNotStart(port: port)
    }

    /// SIGTERM by PID, SIGKILL if it has not exited within `timeout`.
    func stop(timeout: TimeInterval = 5) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
    }

    /// SIGKILL by PID: Redis dies mid-whatever, as in a crash; its state is gone (no persistence).
    func kill9() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Starts it again on the same port (after `stop` or `kill9`); retries while the port is busy.
    func restart() throws {
        stop()
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                return try start()
            } catch RedisProcessError.didNotStart where Date() < deadline {
                usleep(200_000)
            }
        }
    }

    // MARK: Commands

    /// One command on a fresh connection, its reply parsed; `timeout` bounds the whole exchange.
    @discardableResult
    func command(_ arguments: [String], timeout: TimeInterval = 5) throws -> RedisReply {
        let socket = try RawSocket(port: port)
        defer { socket.close() }
        var request = "*\(arguments.count)\r\n"
        for argument in arguments { request += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        socket.send(request)
        let bytes = socket.receive(until: { RedisReply.parse($0) != nil }, timeout: timeout)
        guard let (reply, _) = RedisReply.parse(bytes) else { throw RedisProcessError.noReply(arguments.first ?? "") }
        return reply
    }

    // MARK: Ports

    static func freePort() throws -> UInt16 {
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
        guard bound == 0 else { throw RedisProcessError.noFreePort }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// Why a test's Redis could not be used.
enum RedisProcessError: Error {
    case didNotStart(port: UInt16)
    case noReply(String)
    case noFreePort
}

/// One RESP2 reply, as far as tests need it.
indirect enum RedisReply: Equatable {
    case simple(String)
    case error(String)
    case integer(Int)
    case bulk(String?)
    case array([RedisReply]?)

    /// The reply as text (simple, bulk or integer), nil otherwise.
    var text: String? {
        switch self {
        case .simple(let text): return text
        case .bulk(let text): return text
        case .integer(let value): return String(value)
        default: return nil
        }
    }

    /// Parses one reply from the front of `bytes`; nil until it is complete. Returns the bytes used.
    static func parse(_ bytes: [UInt8], from start: Int = 0) -> (RedisReply, Int)? {
        guard start < bytes.count else { return nil }
        guard let lineEnd = lineEnd(bytes, from: start + 1) else { return nil }
        let line = String(decoding: bytes[(start + 1)..<lineEnd], as: UTF8.self)
        let next = lineEnd + 2
        switch bytes[start] {
        case UInt8(ascii: "+"): return (.simple(line), next)
        case UInt8(ascii: "-"): return (.error(line), next)
        case UInt8(ascii: ":"): return Int(line).map { (.integer($0), next) }
        case UInt8(ascii: "$"):
            guard let length = Int(line) else { return nil }
            if length < 0 { return (.bulk(nil), next) }
            guard bytes.count >= next + length + 2 else { return nil }
            return (.bulk(String(decoding: bytes[next..<(next + length)], as: UTF8.self)), next + length + 2)
        case UInt8(ascii: "*"):
            guard let count = Int(line) else { return nil }
            if count < 0 { return (.array(nil), next) }
            var items: [RedisReply] = []
            var offset = next
            for _ in 0..<count {
                guard let (item, used) = parse(bytes, from: offset) else { return nil }
                items.append(item)
                offset = used
            }
            return (.array(items), offset)
        default: return nil
        }
    }

    private static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}
