import GridlineRESP

/// Why a Redis command, connection or subscription failed.
public enum RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not sent: the client is between connection attempts (backing off) or was never started.
    case notConnected
    /// The connection closed with the command in flight; it may or may not have run.
    case connectionLost
    /// A connection attempt failed (refused, unreachable, timed out); the reason as text.
    case connectFailed(String)
    /// The server sent bytes that are not RESP; the connection was dropped.
    case protocolError(RESPError)
    /// No reply within the reply timeout; the connection was dropped.
    case timeout
    /// An error reply, e.g. "NOSCRIPT No matching script. Please use EVAL.".
    case server(String)
    /// AUTH, SELECT or CLIENT SETNAME was refused on connect.
    case handshakeFailed(String)
    /// The owner closed the client.
    case closed
    /// A reply whose shape a typed helper did not expect.
    case unexpectedReply(RESPValue)

    /// Whether the command may have run although it failed (the connection broke after it was
    /// written), so a caller retrying a write must make the retry idempotent.
    public var mayHaveExecuted: Bool {
        switch self {
        case .connectionLost, .protocolError, .timeout, .handshakeFailed: return true
        case .notConnected, .connectFailed, .server, .closed, .unexpectedReply: return false
        }
    }

    /// The error code of a server error: "NOSCRIPT", "WRONGTYPE", "ERR"...
    public var serverCode: String? {
        guard case .server(let message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    public var description: String {
        switch self {
        case .notConnected: return "redis: not connected"
        case .connectionLost: return "redis: connection lost"
        case .connectFailed(let reason): return "redis: connect failed (\(reason))"
        case .protocolError(let error): return "redis: \(error)"
        case .timeout: return "redis: no reply in time"
        case .server(let message): return "redis: \(message)"
        case .handshakeFailed(let message): return "redis: handshake refused (\(message))"
        case .closed: return "redis: client closed"
        case .unexpectedReply(let value): return "redis: unexpected reply \(value)"
        }
    }
}
