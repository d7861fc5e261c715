import GridlineRedis
import GridlineRESP

/// Who is in which room across the cluster (SPEC §15: one presence per user across nodes).
/// `gl:room:<room>:users` counts each user's connections in the room on every node, so only a
/// user's first connection is a `user_joined` and only the last one's leaving a `user_left`;
/// `gl:node:<node>:entries` remembers what this node added, so survivors can release it when
/// the node dies. Every change is one Lua script, atomic. Loop thread only; completions on the loop.
public final class ClusterPresence {
    public typealias Completion<T> = (Result<T, RedisError>) -> Void

    public struct JoinResult: Equatable, Sendable {
        /// The user's first connection in the room, cluster-wide: broadcast `user_joined`.
        public let first: Bool
        /// Users present in the room, cluster-wide, after the join.
        public let totalUsers: Int

        public init(first: Bool, totalUsers: Int) {
            self.first = first
            self.totalUsers = totalUsers
        }
    }

    public struct LeaveResult: Equatable, Sendable {
        /// The user's last connection in the room, cluster-wide, went: broadcast `user_left`.
        public let last: Bool
        /// Users present in the room, cluster-wide, after the leave.
        public let totalUsers: Int

        public init(last: Bool, totalUsers: Int) {
            self.last = last
            self.totalUsers = totalUsers
        }
    }

    public let client: RedisClient
    /// The node this process runs as; its entries go to `gl:node:<nodeID>:entries`.
    public let nodeID: String

    public init(client: RedisClient, nodeID: String) {
        self.client = client
        self.nodeID = nodeID
    }

    // KEYS: users, info, node entries, gl:nodes. ARGV: user, entry, presence JSON, node.
    // A join whose entry is already there (a retry, a restore after Redis came back) changes nothing.
    static let joinScript = RedisScript(#"""
        if redis.call('SADD', KEYS[3], ARGV[2]) == 0 then
          return {0, redis.call('HLEN', KEYS[1])}
        end
        redis.call('SADD', KEYS[4], ARGV[4])
        local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
        if n == 1 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) end
        return {n == 1 and 1 or 0, redis.call('HLEN', KEYS[1])}
        """#)

    // KEYS: users, info, node entries. ARGV: user, entry.
    static let leaveScript = RedisScript(#"""
        if redis.call('SREM', KEYS[3], ARGV[2]) == 0 then
          return {0, redis.call('HLEN', KEYS[1])}
        end
        local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
        if n <= 0 then
          redis.call('HDEL', KEYS[1], ARGV[1])
          redis.call('HDEL', KEYS[2], ARGV[1])
        end
        return {n <= 0 and 1 or 0, redis.call('HLEN', KEYS[1])}
        """#)

    // KEYS: users, info. ARGV: user, presence JSON.
    static let updateInfoScript = RedisScript(#"""
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        return 1
        """#)

    // KEYS: the dead node's alive key, gl:nodes. ARGV: node id. Nil when the node is alive after all, or
    // another caller released it first.
    static let reapScript = RedisScript(NodeRelease.luaFunction + "\n" + #"""
        if redis.call('EXISTS', KEYS[1]) == 1 then return false end
        if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return false end
        return release(ARGV[1])
        """#)

    /// Adds one connection of `userID` to `room`. `presenceJSON` is stored only for the user's
    /// first connection (use `updateInfo` for later changes).
    public func join(room: String, userID: String, connection: String, presenceJSON: [UInt8],
                     completion: @escaping Completion<JoinResult>) {
        client.loop.assertInLoop()
        let entry = ClusterKeys.presenceEntry(room: room, user: userID, connection: connection)
        client.evaluate(Self.joinScript,
                        keys: [ClusterKeys.roomUsers(room), ClusterKeys.roomInfo(room),
                               ClusterKeys.nodeEntries(nodeID), ClusterKeys.nodes],
                        arguments: [userID, entry, presenceJSON, nodeID]) { result in
            completion(ClusterReply.flagAndCount(result).map { JoinResult(first: $0.0, totalUsers: $0.1) })
        }
    }

    /// Removes one connection of `userID` from `room`. Idempotent: a connection not (or no
    /// longer, e.g. reaped) in this node's entries reports `last: false` and changes nothing.
    public func leave(room: String, userID: String, connection: String,
                      completion: @escaping Completion<LeaveResult>) {
        client.loop.assertInLoop()
        let entry = ClusterKeys.presenceEntry(room: room, user: userID, connection: connection)
        client.evaluate(Self.leaveScript,
                        keys: [ClusterKeys.roomUsers(room), ClusterKeys.roomInfo(room), ClusterKeys.nodeEntries(nodeID)],
                        arguments: [userID, entry]) { result in
            completion(ClusterReply.flagAndCount(result).map { LeaveResult(last: $0.0, totalUsers: $0.1) })
        }
    }

    /// The presence JSON of every user in the room, cluster-wide, in no particular order.
    public func roster(room: String, completion: @escaping Completion<[[UInt8]]>) {
        client.loop.assertInLoop()
        client.send(["HVALS", ClusterKeys.roomInfo(room)]) { completion(ClusterReply.byteStrings($0)) }
    }

    /// Replaces a present user's presence JSON (a status change); false when the user is not
    /// in the room, so a late update never resurrects a user who left.
    public func updateInfo(room: String, userID: String, presenceJSON: [UInt8], completion: @escaping Completion<Bool>) {
        client.loop.assertInLoop()
        client.evaluate(Self.updateInfoScript, keys: [ClusterKeys.roomUsers(room), ClusterKeys.roomInfo(room)],
                        arguments: [userID, presenceJSON]) { completion(ClusterReply.flag($0)) }
    }

    /// Releases a node whose alive key is gone: its presence and connection entries and its
    /// membership of `gl:nodes`, in one script, so of several callers exactly one releases the
    /// node and gets its leaves. Nil when the node is alive or not in `gl:nodes` (released
    /// already, or it never added anything): nothing touched.
    public func reapNode(_ node: String, completion: @escaping Completion<[ReapedLeave]?>) {
        client.loop.assertInLoop()
        client.evaluate(Self.reapScript, keys: [ClusterKeys.node(node), ClusterKeys.nodes], arguments: [node]) { result in
            completion(result.flatMap { reply in
                reply.isNull ? .success(nil) : NodeRelease.leaves(from: reply).map { Optional($0) }
            })
        }
    }

    /// Reaps every node of `gl:nodes` but `selfNodeID` whose alive key is gone (one script per
    /// node, all sent at once), and says which nodes this call released. Leaves come in
    /// `gl:nodes` order. Fails only when nothing could be learnt (listing the nodes failed, or
    /// every reap failed): a node whose reap failed is simply reaped on a later call, while
    /// nodes and leaves already taken are never dropped.
    public func reapDeadNodes(selfNodeID: String, completion: @escaping Completion<ReapedNodes>) {
        client.loop.assertInLoop()
        client.send(["SMEMBERS", ClusterKeys.nodes]) { [self] listed in
            let nodes: [String]
            switch ClusterReply.strings(listed) {
            case .failure(let error): return completion(.failure(error))
            case .success(let members): nodes = members.filter { $0 != selfNodeID }
            }
            guard !nodes.isEmpty else { return completion(.success(ReapedNodes())) }
            var outcomes = [Result<[ReapedLeave]?, RedisError>?](repeating: nil, count: nodes.count)
            var remaining = nodes.count
            for (index, node) in nodes.enumerated() {
                reapNode(node) { outcome in
                    outcomes[index] = outcome
                    remaining -= 1
                    guard remaining == 0 else { return }
                    var reaped = ReapedNodes()
                    var firstError: RedisError?
                    var anySucceeded = false
                    for (node, outcome) in zip(nodes, outcomes) {
                        switch outcome {
                        case .success(let leaves)?:
                            anySucceeded = true
                            if let leaves {
                                reaped.nodes.append(node)
                                reaped.leaves += leaves
                            }
                        case .failure(let error)?: firstError = firstError ?? error
                        case nil: break
                        }
                    }
                    if !anySucceeded, let firstError { return completion(.failure(firstError)) }
                    completion(.success(reaped))
                }
            }
        }
    }
}
