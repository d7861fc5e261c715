import GridlineRedis
import GridlineRESP

/// Write rates counted over every node (SPEC §15: the rate limits count cluster-wide), in
/// fixed windows on Redis's clock (`TIME` inside the script, never a node's). A node adds up
/// its users' messages locally and sends each user's count once per flush, not once per
/// message: one script call per active user per flush whatever the rate, and every node learns
/// the cluster's total in the reply. Loop thread only; completions on the loop.
public final class ClusterRateCounter {
    public let client: RedisClient

    public init(client: RedisClient) {
        self.client = client
    }

    /// One window's state after an `add`.
    public struct Window: Equatable, Sendable {
        /// Messages counted in the current window, over every node.
        public let count: Int
        /// Until the window ends.
        public let remainingMilliseconds: Int
    }

    // ARGV: user, delta, then (window ms, limit) pairs. Keys are built here from Redis's clock
    // (the window's index), so a single Redis, not a Redis Cluster, runs it.
    static let addScript = RedisScript(#"""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local delta = tonumber(ARGV[2])
        local out = {}
        for i = 3, #ARGV, 2 do
          local window = tonumber(ARGV[i])
          local index = math.floor(now / window)
          local key = 'gl:rate:' .. ARGV[1] .. ':' .. window .. ':' .. index
          local count = redis.call('INCRBY', key, delta)
          local left = (index + 1) * window - now
          if count == delta then redis.call('PEXPIRE', key, left + 1000) end
          out[#out + 1] = count
          out[#out + 1] = left
        end
        return out
        """#)

    /// Adds `delta` messages of `userID` to each window (length in ms); the reply gives, per
    /// window in order, the cluster-wide count so far and the time left.
    public func add(userID: String, delta: Int, windows: [Int], completion: @escaping (Result<[Window], RedisError>) -> Void) {
        client.loop.assertInLoop()
        var arguments: [any RESPArgument] = [userID, max(0, delta)]
        for window in windows { arguments += [max(1, window), 0] }
        client.evaluate(Self.addScript, arguments: arguments) { result in
            completion(result.flatMap { reply in
                guard let values = reply.array, values.count == windows.count * 2 else { return .failure(.unexpectedReply(reply)) }
                var out: [Window] = []
                for index in stride(from: 0, to: values.count, by: 2) {
                    guard let count = values[index].integer, let left = values[index + 1].integer else {
                        return .failure(.unexpectedReply(reply))
                    }
                    out.append(Window(count: Int(count), remainingMilliseconds: Int(left)))
                }
                return .success(out)
            })
        }
    }
}
