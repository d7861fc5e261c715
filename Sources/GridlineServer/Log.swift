import Glibc
import GridlineJSON

public enum LogLevel: String, Sendable, Comparable {
    case debug, info, warn, error

    private var rank: Int {
        switch self {
        case .debug: return 0
        case .info: return 1
        case .warn: return 2
        case .error: return 3
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// One JSON object per line on stderr (SPEC §11): `ts, level, event` then context and fields.
/// Callers pass only identifiers and reasons, never tokens or message bodies.
public struct Log: Sendable {
    public let minimum: LogLevel

    public init(minimum: LogLevel) { self.minimum = minimum }

    public func callAsFunction(_ level: LogLevel, _ event: String, connection: UInt64? = nil, user: String? = nil,
                               room: String? = nil, _ fields: [(String, JSONValue)] = []) {
        guard level >= minimum else { return }
        var object = JSONObject([("ts", .string(Timestamp.iso8601Now())), ("level", .string(level.rawValue)),
                                 ("event", .string(event))])
        if let connection { object.members.append(("connection_id", .string(ConnectionIDs.format(connection)))) }
        if let user { object.members.append(("user_id", .string(user))) }
        if let room { object.members.append(("room", .string(room))) }
        object.members.append(contentsOf: fields)
        var line = object.serialized()
        line.append(0x0A)
        line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

/// Connection ids on the wire: "c" plus the loop's counter, so they can't be confused with user ids.
public enum ConnectionIDs {
    public static func format(_ id: UInt64) -> String { "c\(id)" }
    public static func parse(_ text: String) -> UInt64? {
        guard text.hasPrefix("c") else { return nil }
        return UInt64(text.dropFirst())
    }
}
