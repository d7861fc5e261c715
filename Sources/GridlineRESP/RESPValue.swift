/// One RESP reply (https://redis.io/docs/latest/develop/reference/protocol-spec/).
/// RESP2's null bulk string (`$-1`) and null array (`*-1`) decode to `.null`, as RESP3's `_` does:
/// callers never need to tell the three apart.
public enum RESPValue: Equatable, Sendable {
    case simpleString(String)
    /// A simple error (`-`) or a RESP3 blob error (`!`): "CODE message", e.g. "NOSCRIPT No matching script".
    case error(String)
    case integer(Int64)
    case bulkString([UInt8])
    case array([RESPValue])
    case null
    // RESP3 types, decoded so that a server speaking RESP3 never yields a protocol error.
    case boolean(Bool)
    case double(Double)
    /// A big number (`(`) kept as its decimal text.
    case bigNumber(String)
    /// A verbatim string (`=`): a three-letter format such as "txt" and the text.
    case verbatimString(format: String, text: [UInt8])
    case map([RESPPair])
    case set([RESPValue])
    /// An out-of-band push (`>`), e.g. a pub/sub message on a RESP3 connection.
    case push([RESPValue])

    /// The text of a simple string, bulk string or verbatim string (bulk bytes decoded as UTF-8).
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .verbatimString(_, let text): return String(decoding: text, as: UTF8.self)
        default: return nil
        }
    }

    /// The bytes of a bulk string, simple string or verbatim string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): return bytes
        case .simpleString(let text): return Array(text.utf8)
        case .verbatimString(_, let text): return text
        default: return nil
        }
    }

    /// An integer reply, or a bulk/simple string holding a decimal integer (Lua and TIME answer so).
    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .bulkString, .simpleString: return string.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The elements of an array, set or push.
    public var array: [RESPValue]? {
        switch self {
        case .array(let elements), .set(let elements), .push(let elements): return elements
        default: return nil
        }
    }

    public var isNull: Bool { self == .null }

    /// The message of an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}

/// One key/value entry of a RESP3 map, in wire order.
public struct RESPPair: Equatable, Sendable {
    public let key: RESPValue
    public let value: RESPValue

    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}
