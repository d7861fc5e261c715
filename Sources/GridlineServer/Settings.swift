import Foundation
import GridlineRedis

/// Every tunable of SPEC §1, read from the environment (and `serve` flags). A bad value stops
/// start-up with one line naming the variable.
public struct Settings: Sendable {
    public var host = "127.0.0.1"
    public var port: UInt16 = 8080
    public var dataDirectory = "./data"
    public var jwtSecret: String?
    public var allowedOrigins: [String] = ["http://localhost:3000", "http://127.0.0.1:3000"]
    public var pingInterval: Double = 25
    public var pingTimeout: Double = 60
    public var maxMessageBytes = 65536
    public var maxConnectionsPerUser = 5
    public var connectRate = 20
    public var requestsPerMinute = 60
    public var requestsPerHour = 1000
    public var blockDurationMinutes: Double = 15
    public var cursorRate = 30
    public var uploadMaxBytes: Int64 = 104_857_600
    /// The database file's size limit in MiB (`GRIDLINE_MAX_DATABASE_MB`), nil for none.
    public var maxDatabaseMegabytes: Int?
    public var typingTimeout: Double = 5
    /// Not in the seed's list but needed by a production server; same naming scheme.
    public var sendBufferBytes = 1_048_576
    public var headerTimeout: Double = 10
    public var idleTimeout: Double = 60
    public var logLevel: LogLevel = .info
    /// `statistics` (built in) or `failing` (always errors, for exercising `ai_error`).
    public var aiProvider = "statistics"
    public var migrationsDirectory: String?
    public var seedDirectory: String?
    /// Several nodes through this Redis (SPEC §15); nil: one node, nothing else needed.
    public var redis: RedisConfiguration?
    /// This node's name in the cluster; nil: host name and port, decided once bound.
    public var nodeID: String?

    public init() {}

    public struct Invalid: Error, CustomStringConvertible {
        public let variable: String
        public let value: String
        public let expected: String
        public var description: String { "invalid setting \(variable)=\(value.debugDescription): expected \(expected)" }
    }

    /// Reads the documented variables; unknown variables are ignored.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) -> Settings {
        var s = Settings()
        let reader = Reader(env: env)
        s.host = try reader.string("GRIDLINE_HOST", s.host)
        s.port = UInt16(try reader.int("GRIDLINE_PORT", Int(s.port), 0...65535))
        s.dataDirectory = try reader.string("GRIDLINE_DATA_DIR", s.dataDirectory)
        s.jwtSecret = env["JWT_SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let origins = env["WEBSOCKET_ALLOWED_ORIGINS"] {
            s.allowedOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        s.pingInterval = try reader.seconds("WEBSOCKET_PING_INTERVAL", s.pingInterval)
        s.pingTimeout = try reader.seconds("WEBSOCKET_PING_TIMEOUT", s.pingTimeout)
        s.maxMessageBytes = try reader.int("WEBSOCKET_MAX_MESSAGE_BYTES", s.maxMessageBytes, 256...(64 << 20))
        s.maxConnectionsPerUser = try reader.int("WEBSOCKET_MAX_CONNECTIONS_PER_USER", s.maxConnectionsPerUser, 1...100_000)
        s.connectRate = try reader.int("WEBSOCKET_CONNECT_RATE", s.connectRate, 1...10_000_000)
        s.requestsPerMinute = try reader.int("WEBSOCKET_REQUESTS_PER_MINUTE", s.requestsPerMinute, 1...100_000_000)
        s.requestsPerHour = try reader.int("WEBSOCKET_REQUESTS_PER_HOUR", s.requestsPerHour, 1...1_000_000_000)
        s.blockDurationMinutes = try reader.seconds("WEBSOCKET_BLOCK_DURATION_MINUTES", s.blockDurationMinutes)
        s.cursorRate = try reader.int("WEBSOCKET_CURSOR_RATE", s.cursorRate, 1...10_000_000)
        s.uploadMaxBytes = Int64(try reader.int("UPLOAD_MAX_BYTES", Int(s.uploadMaxBytes), 1...(1 << 40)))
        if env["GRIDLINE_MAX_DATABASE_MB"] != nil {
            s.maxDatabaseMegabytes = try reader.int("GRIDLINE_MAX_DATABASE_MB", 0, 1...(1 << 24))
        }
        s.typingTimeout = try reader.seconds("TYPING_TIMEOUT", s.typingTimeout)
        s.sendBufferBytes = try reader.int("WEBSOCKET_SEND_BUFFER_BYTES", s.sendBufferBytes, 4096...(1 << 30))
        s.headerTimeout = try reader.seconds("HTTP_HEADER_TIMEOUT", s.headerTimeout)
        s.idleTimeout = try reader.seconds("HTTP_IDLE_TIMEOUT", s.idleTimeout)
        if let level = env["GRIDLINE_LOG_LEVEL"] {
            guard let parsed = LogLevel(rawValue: level) else {
                throw Invalid(variable: "GRIDLINE_LOG_LEVEL", value: level, expected: "debug, info, warn or error")
            }
            s.logLevel = parsed
        }
        if let provider = env["AI_PROVIDER"] {
            guard ["statistics", "failing"].contains(provider) else {
                throw Invalid(variable: "AI_PROVIDER", value: provider, expected: "statistics or failing")
            }
            s.aiProvider = provider
        }
        s.migrationsDirectory = env["GRIDLINE_MIGRATIONS_DIR"]
        s.seedDirectory = env["GRIDLINE_SEED_DIR"]
        try s.readCluster(env, reader)
        return s
    }

    /// `REDIS_URL`, or seed 004's `REDIS_HOST`/`REDIS_PORT`; `GRIDLINE_NODE_ID`.
    private mutating func readCluster(_ env: [String: String], _ reader: Reader) throws(Invalid) {
        if let url = env["REDIS_URL"], !url.isEmpty {
            do {
                redis = try RedisConfiguration(url: url)
            } catch {
                throw Invalid(variable: "REDIS_URL", value: url, expected: "redis://host[:port][/db]")
            }
        } else if let host = env["REDIS_HOST"], !host.isEmpty {
            let port = try reader.int("REDIS_PORT", 6379, 1...65535)
            redis = RedisConfiguration(host: host, port: UInt16(port))
        }
        if let node = env["GRIDLINE_NODE_ID"] {
            guard Self.isValidNodeID(node) else {
                throw Invalid(variable: "GRIDLINE_NODE_ID", value: node, expected: "1 to 64 of A-Z a-z 0-9 . _ : -")
            }
            nodeID = node
        }
    }

    /// Node ids go into Redis keys and lease values (space-separated), so no spaces or braces.
    static func isValidNodeID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == 0x2e || byte == 0x5f || byte == 0x3a || byte == 0x2d
        }
    }

    private struct Reader {
        let env: [String: String]

        func string(_ name: String, _ fallback: String) throws(Invalid) -> String {
            guard let value = env[name] else { return fallback }
            guard !value.isEmpty else { throw Invalid(variable: name, value: value, expected: "a non-empty value") }
            return value
        }

        func int(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(Invalid) -> Int {
            guard let value = env[name] else { return fallback }
            guard let parsed = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(parsed) else {
                throw Invalid(variable: name, value: value, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return parsed
        }

        /// A positive number of seconds (or minutes, for the block duration); fractions allowed.
        func seconds(_ name: String, _ fallback: Double) throws(Invalid) -> Double {
            guard let value = env[name] else { return fallback }
            guard let parsed = Double(value.trimmingCharacters(in: .whitespaces)), parsed.isFinite, parsed > 0,
                  parsed <= 31_536_000 else {
                throw Invalid(variable: name, value: value, expected: "a positive number")
            }
            return parsed
        }
    }

    /// The server's own origins once bound to `port`, which are always allowed (SPEC §1).
    public func ownOrigins(port: UInt16) -> [String] {
        var origins = ["http://\(host):\(port)"]
        if host == "127.0.0.1" || host == "0.0.0.0" { origins.append("http://localhost:\(port)") }
        return origins
    }
}
