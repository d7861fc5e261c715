import GridlineRedis
import GridlineRESP

/// Typed readings of script replies; a reply of another shape is `unexpectedReply`.
enum ClusterReply {
    /// A Lua 1/0 answer.
    static func flag(_ result: Result<RESPValue, RedisError>) -> Result<Bool, RedisError> {
        result.flatMap { reply in
            switch reply.integer {
            case 1: return .success(true)
            case 0: return .success(false)
            default: return .failure(.unexpectedReply(reply))
            }
        }
    }

    /// A Lua `{flag, count}` answer.
    static func flagAndCount(_ result: Result<RESPValue, RedisError>) -> Result<(Bool, Int), RedisError> {
        result.flatMap { reply in
            guard let parts = reply.array, parts.count == 2, let flag = parts[0].integer,
                  let count = parts[1].integer else { return .failure(.unexpectedReply(reply)) }
            return .success((flag == 1, Int(count)))
        }
    }

    /// An array of bulk strings (possibly empty).
    static func strings(_ result: Result<RESPValue, RedisError>) -> Result<[String], RedisError> {
        byteStrings(result).map { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    static func byteStrings(_ result: Result<RESPValue, RedisError>) -> Result<[[UInt8]], RedisError> {
        result.flatMap { reply in
            guard let parts = reply.array else { return .failure(.unexpectedReply(reply)) }
            var values: [[UInt8]] = []
            values.reserveCapacity(parts.count)
            for part in parts {
                guard let bytes = part.bytes else { return .failure(.unexpectedReply(reply)) }
                values.append(bytes)
            }
            return .success(values)
        }
    }
}
