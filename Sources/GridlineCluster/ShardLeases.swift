import GridlineRESP
import GridlineRedis

/// The Redis side of shard ownership (SPEC §15): a lease per shard (`SET NX PX`, value
/// "node incarnation fence") and a fencing number per shard that only grows. Leases use Redis's
/// clock (PX) and the nodes' monotonic clocks, never a wall-clock comparison between nodes.
/// Loop thread only; every completion runs on the loop.
public final class ShardLeases {
    public let client: RedisClient
    public let nodeID: String
    public let incarnation: String
    public let ttlMilliseconds: Int

    public init(client: RedisClient, nodeID: String, incarnation: String, ttlMilliseconds: Int) {
        self.client = client
        self.nodeID = nodeID
        self.incarnation = incarnation
        self.ttlMilliseconds = ttlMilliseconds
    }

    public enum Acquired: Equatable, Sendable {
        /// This node holds the lease with this fencing number.
        case owned(fence: Int64)
        /// Another node holds it for `remainingMilliseconds` more.
        case heldBy(node: String, remainingMilliseconds: Int64)
    }

    /// Takes the shard's lease if nobody holds it (or extends ours). `floor` is the highest fence
    /// the database has seen for the shard: a Redis that restarted empty must not hand out a
    /// number the database already passed, or the new owner could never commit.
    public func acquire(shard: Int, floor: Int64, completion: @escaping (Result<Acquired, RedisError>) -> Void) {
        client.evaluate(Self.acquireScript, keys: [ClusterKeys.lease(shard: shard), ClusterKeys.fence(shard: shard)],
                        arguments: [nodeID, incarnation, ttlMilliseconds, floor]) { result in
            completion(result.flatMap { reply in
                guard let parts = reply.array, let kind = parts.first?.integer else { return .failure(.unexpectedReply(reply)) }
                if kind == 1, parts.count == 2, let fence = parts[1].string.flatMap({ Int64($0) }) {
                    return .success(.owned(fence: fence))
                }
                if kind == 0, parts.count == 3, let node = parts[1].string, let ttl = parts[2].integer {
                    return .success(.heldBy(node: node, remainingMilliseconds: ttl))
                }
                return .failure(.unexpectedReply(reply))
            })
        }
    }

    /// Extends every lease in `shards` (with their fences) in one script; the reply lists the
    /// shards whose lease is no longer ours (expired and maybe taken).
    public func renew(_ shards: [(shard: Int, fence: Int64)], completion: @escaping (Result<[Int], RedisError>) -> Void) {
        guard !shards.isEmpty else { return completion(.success([])) }
        let keys: [any RESPArgument] = shards.map { ClusterKeys.lease(shard: $0.shard) }
        let values: [any RESPArgument] = shards.map { value(fence: $0.fence) }
        client.evaluate(Self.renewScript, keys: keys, arguments: [ttlMilliseconds] + values) { result in
            completion(result.flatMap { reply in
                guard let flags = reply.array, flags.count == shards.count else { return .failure(.unexpectedReply(reply)) }
                return .success(zip(shards, flags).compactMap { $1.integer == 1 ? nil : $0.shard })
            })
        }
    }

    /// Gives the leases up (graceful shutdown hands rooms over at once instead of after a TTL).
    public func release(_ shards: [(shard: Int, fence: Int64)], completion: ((Result<Void, RedisError>) -> Void)? = nil) {
        guard !shards.isEmpty else { completion?(.success(())); return }
        let keys: [any RESPArgument] = shards.map { ClusterKeys.lease(shard: $0.shard) }
        let values: [any RESPArgument] = shards.map { value(fence: $0.fence) }
        client.evaluate(Self.releaseScript, keys: keys, arguments: values) { result in completion?(result.map { _ in () }) }
    }

    /// Who holds a shard's lease now (nil: nobody).
    public func holder(shard: Int, completion: @escaping (Result<String?, RedisError>) -> Void) {
        client.get(ClusterKeys.lease(shard: shard)) { result in
            completion(result.map { bytes in
                bytes.flatMap { String(decoding: $0, as: UTF8.self).split(separator: " ").first.map(String.init) }
            })
        }
    }

    private func value(fence: Int64) -> String { "\(nodeID) \(incarnation) \(fence)" }

    // KEYS: lease, fence. ARGV: node, incarnation, ttl, floor.
    static let acquireScript = RedisScript("""
        local v = redis.call('GET', KEYS[1])
        if v then
          local node, inc, fence = string.match(v, '^(%S+) (%S+) (%d+)$')
          if node == ARGV[1] and inc == ARGV[2] then
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return {1, fence}
          end
          return {0, node or '?', redis.call('PTTL', KEYS[1])}
        end
        local f = redis.call('INCR', KEYS[2])
        local floor = tonumber(ARGV[4])
        if f <= floor then
          f = floor + 1
          redis.call('SET', KEYS[2], f)
        end
        redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. f, 'PX', ARGV[3])
        return {1, tostring(f)}
        """)

    // KEYS: leases. ARGV: ttl, then the value each lease must still hold.
    static let renewScript = RedisScript("""
        local out = {}
        for i, key in ipairs(KEYS) do
          if redis.call('GET', key) == ARGV[i + 1] then
            redis.call('PEXPIRE', key, ARGV[1])
            out[i] = 1
          else
            out[i] = 0
          end
        end
        return out
        """)

    // KEYS: leases. ARGV: the value each must hold to be deleted.
    static let releaseScript = RedisScript("""
        for i, key in ipairs(KEYS) do
          if redis.call('GET', key) == ARGV[i] then redis.call('DEL', key) end
        end
        return 1
        """)
}
