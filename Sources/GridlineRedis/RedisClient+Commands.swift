import GridlineRESP

/// Typed helpers for the commands the cluster layer uses (leases, presence, fan-out).
extension RedisClient {
    /// `SET key value [NX] [PX ms]`: true when the value was stored, false when `NX` found the
    /// key already there.
    public func set(_ key: String, to value: any RESPArgument, onlyIfAbsent: Bool = false,
                    expiresInMilliseconds: Int? = nil, completion: @escaping (Result<Bool, RedisError>) -> Void) {
        var arguments: [any RESPArgument] = ["SET", key, value]
        if onlyIfAbsent { arguments.append("NX") }
        if let milliseconds = expiresInMilliseconds { arguments += ["PX", milliseconds] }
        send(arguments) { result in
            completion(result.flatMap { reply in
                switch reply {
                case .simpleString("OK"): return .success(true)
                case .null: return .success(false)
                default: return .failure(.unexpectedReply(reply))
                }
            })
        }
    }

    /// `GET key`: the bytes, or nil when the key does not exist.
    public func get(_ key: String, completion: @escaping (Result<[UInt8]?, RedisError>) -> Void) {
        send(["GET", key]) { result in
            completion(result.flatMap { reply in
                if reply.isNull { return .success(nil) }
                guard case .bulkString(let bytes) = reply else { return .failure(.unexpectedReply(reply)) }
                return .success(bytes)
            })
        }
    }

    /// `TIME`: the server's clock in microseconds since the epoch (one clock for every node).
    public func time(completion: @escaping (Result<Int64, RedisError>) -> Void) {
        send(["TIME"]) { result in
            completion(result.flatMap { reply in
                guard let parts = reply.array, parts.count == 2,
                      let seconds = parts[0].integer, let microseconds = parts[1].integer else {
                    return .failure(.unexpectedReply(reply))
                }
                return .success(seconds * 1_000_000 + microseconds)
            })
        }
    }

    /// `PUBLISH channel message`: how many subscribers received it.
    public func publish(_ message: any RESPArgument, to channel: String,
                        completion: ((Result<Int64, RedisError>) -> Void)? = nil) {
        send(["PUBLISH", channel, message]) { completion?(Self.integer($0)) }
    }

    /// `SPUBLISH shardchannel message` (Redis 7 sharded pub/sub).
    public func publishSharded(_ message: any RESPArgument, to channel: String,
                               completion: ((Result<Int64, RedisError>) -> Void)? = nil) {
        send(["SPUBLISH", channel, message]) { completion?(Self.integer($0)) }
    }

    /// `PING`, for health checks and round-trip measurements.
    public func ping(completion: @escaping (Result<Void, RedisError>) -> Void) {
        send(["PING"]) { result in completion(result.map { _ in () }) }
    }

    static func integer(_ result: Result<RESPValue, RedisError>) -> Result<Int64, RedisError> {
        result.flatMap { reply in
            guard case .integer(let value) = reply else { return .failure(.unexpectedReply(reply)) }
            return .success(value)
        }
    }
}
