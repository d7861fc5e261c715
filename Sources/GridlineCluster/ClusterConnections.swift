import GridlineRedis
import GridlineRESP

/// Every connection of a user, cluster-wide, oldest first (`gl:user:<user>:conns`), for the
/// per-user connection limit (SPEC §15, `WEBSOCKET_MAX_CONNECTIONS_PER_USER`: a newer connection
/// supersedes the oldest). Members are "<node>/<conn>"; each node also records its own in
/// `gl:node:<node>:conns` so survivors can remove them when it dies. Loop thread only;
/// completions on the loop.
public final class ClusterConnections {
    public typealias Completion<T> = (Result<T, RedisError>) -> Void

    public let client: RedisClient

    public init(client: RedisClient) {
        self.client = client
    }

    // KEYS: user conns, member's node conns, gl:nodes. ARGV: member, limit, user, node.
    // Score: Redis TIME in ms times 1000, bumped past the newest so order is strict even for
    // connections in the same millisecond (one clock for all nodes). An existing member keeps
    // its score, so a retried register does not make an old connection young.
    static let registerScript = RedisScript(#"""
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          local t = redis.call('TIME')
          local score = (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) * 1000
          local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
          if newest[2] and tonumber(newest[2]) >= score then score = tonumber(newest[2]) + 1 end
          redis.call('ZADD', KEYS[1], score, ARGV[1])
        end
        redis.call('SADD', KEYS[2], ARGV[3] .. '\n' .. ARGV[1])
        redis.call('SADD', KEYS[3], ARGV[4])
        local evicted = {}
        local surplus = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
        if surplus > 0 then
          local popped = redis.call('ZPOPMIN', KEYS[1], surplus)
          for i = 1, #popped, 2 do
            local member = popped[i]
            evicted[#evicted + 1] = member
            local node = string.match(member, '^([^/]*)/') or member
            redis.call('SREM', 'gl:node:' .. node .. ':conns', ARGV[3] .. '\n' .. member)
          end
        end
        return evicted
        """#)

    // KEYS: user conns, member's node conns. ARGV: member, node entry.
    static let unregisterScript = RedisScript(#"""
        local removed = redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('SREM', KEYS[2], ARGV[2])
        return removed
        """#)

    /// Adds `member` ("<node>/<conn>", see `ClusterKeys.connectionMember`) as the user's newest
    /// connection. When the user then has more than `limit`, the oldest surplus are removed and
    /// returned: the caller closes them (its own, or by telling their node). `limit` ≥ 1.
    public func register(userID: String, member: String, limit: Int, completion: @escaping Completion<[String]>) {
        client.loop.assertInLoop()
        let node = ClusterKeys.node(ofMember: member)
        client.evaluate(Self.registerScript,
                        keys: [ClusterKeys.userConnections(userID), ClusterKeys.nodeConnections(node), ClusterKeys.nodes],
                        arguments: [member, max(1, limit), userID, node]) { completion(ClusterReply.strings($0)) }
    }

    /// Removes `member`; true when it was there (false after an eviction or a reap).
    public func unregister(userID: String, member: String, completion: @escaping Completion<Bool>) {
        client.loop.assertInLoop()
        let node = ClusterKeys.node(ofMember: member)
        client.evaluate(Self.unregisterScript,
                        keys: [ClusterKeys.userConnections(userID), ClusterKeys.nodeConnections(node)],
                        arguments: [member, ClusterKeys.connectionEntry(user: userID, member: member)]) {
            completion(ClusterReply.flag($0))
        }
    }

    /// The user's connections, oldest first.
    public func list(userID: String, completion: @escaping Completion<[String]>) {
        client.loop.assertInLoop()
        client.send(["ZRANGE", ClusterKeys.userConnections(userID), "0", "-1"]) { completion(ClusterReply.strings($0)) }
    }
}
