import GridlineRedis
import GridlineRESP

/// A node's alive key `gl:node:<node>` (value: the process's random incarnation, PX-expiring)
/// and its membership of `gl:nodes` (SPEC §15). One process per node id: a second process that
/// finds the id held by another live incarnation must refuse to start. Loop thread only; every
/// completion runs on the loop.
public final class NodeLiveness {
    public typealias Completion<T> = (Result<T, RedisError>) -> Void

    /// What a graceful unregister did.
    public struct Unregistration: Equatable, Sendable {
        /// False when another incarnation holds the node id: nothing was touched.
        public let released: Bool
        /// Users whose last connection in a room was on this node; the caller broadcasts `user_left`.
        public let leaves: [ReapedLeave]

        public init(released: Bool, leaves: [ReapedLeave]) {
            self.released = released
            self.leaves = leaves
        }
    }

    public let client: RedisClient

    public init(client: RedisClient) {
        self.client = client
    }

    // KEYS: alive key, gl:nodes. ARGV: incarnation, ttl ms, node id.
    static let registerScript = RedisScript(#"""
        local current = redis.call('GET', KEYS[1])
        if current and current ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('SADD', KEYS[2], ARGV[3])
        return 1
        """#)

    // KEYS: alive key. ARGV: incarnation, ttl ms.
    static let renewScript = RedisScript(#"""
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """#)

    // KEYS: alive key. ARGV: node id, incarnation. Nil when another incarnation holds the id.
    static let unregisterScript = RedisScript(NodeRelease.luaFunction + "\n" + #"""
        local current = redis.call('GET', KEYS[1])
        if current and current ~= ARGV[2] then return false end
        if current then redis.call('DEL', KEYS[1]) end
        return release(ARGV[1])
        """#)

    /// Sets the alive key for `ttlMilliseconds` and adds the node to `gl:nodes`. True when
    /// registered now or already ours (same incarnation); false when another live incarnation
    /// holds the id (the caller refuses to start). A crashed predecessor's leftovers are reaped
    /// by the survivors, or by this node itself with `ClusterPresence.reapNode` before registering.
    public func register(nodeID: String, incarnation: String, ttlMilliseconds: Int,
                         completion: @escaping Completion<Bool>) {
        client.loop.assertInLoop()
        client.evaluate(Self.registerScript, keys: [ClusterKeys.node(nodeID), ClusterKeys.nodes],
                        arguments: [incarnation, ttlMilliseconds, nodeID]) { completion(ClusterReply.flag($0)) }
    }

    /// Extends the alive key, only if it still holds `incarnation`. False when it expired or was
    /// taken: the node may have been reaped, so the caller registers again and restores presence.
    public func renew(nodeID: String, incarnation: String, ttlMilliseconds: Int,
                      completion: @escaping Completion<Bool>) {
        client.loop.assertInLoop()
        client.evaluate(Self.renewScript, keys: [ClusterKeys.node(nodeID)],
                        arguments: [incarnation, ttlMilliseconds]) { completion(ClusterReply.flag($0)) }
    }

    /// Graceful shutdown: deletes the alive key if ours and releases everything the reaper would
    /// (presence and connection entries, membership of `gl:nodes`), in one script.
    public func unregister(nodeID: String, incarnation: String, completion: @escaping Completion<Unregistration>) {
        client.loop.assertInLoop()
        client.evaluate(Self.unregisterScript, keys: [ClusterKeys.node(nodeID)],
                        arguments: [nodeID, incarnation]) { result in
            completion(result.flatMap { reply in
                if reply.isNull { return .success(Unregistration(released: false, leaves: [])) }
                return NodeRelease.leaves(from: reply).map { Unregistration(released: true, leaves: $0) }
            })
        }
    }
}
