import GridlineRedis
import GridlineRESP

/// A cluster-wide rate limit (SPEC §15: rate limits count cluster-wide) with the generic cell
/// rate algorithm: one key per user and kind holding the theoretical arrival time (TAT, ms).
/// The clock is Redis's (`TIME` inside the script), never a node's, so nodes with skewed clocks
/// agree. Loop thread only; completions on the loop.
public final class ClusterRateLimiter {
    public let client: RedisClient

    public init(client: RedisClient) {
        self.client = client
    }

    // KEYS: rate key. ARGV: rate per window, window ms, burst.
    // Admit when TAT - now <= (burst - 1) * interval; then TAT += interval. A refusal leaves
    // the state alone. The key lives at least a window and until TAT has passed, after which
    // a missing key means the same as the stored one.
    static let admitScript = RedisScript(#"""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
        local rate = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local burst = tonumber(ARGV[3])
        local interval = window / rate
        local tat = now
        local stored = redis.call('GET', KEYS[1])
        if stored then tat = math.max(now, tonumber(stored)) end
        -- 0.001 ms absorbs the rounding of the stored value.
        if tat - now > (burst - 1) * interval + 0.001 then return 0 end
        tat = tat + interval
        local ttl = math.max(window, math.ceil(tat - now))
        redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', ttl)
        return 1
        """#)

    /// Whether one more event under `key` (see `ClusterKeys.rate`) is allowed: on average
    /// `ratePerWindow` per `windowMilliseconds`, at most `burst` back to back.
    public func admit(key: String, ratePerWindow: Int, windowMilliseconds: Int, burst: Int,
                      completion: @escaping (Result<Bool, RedisError>) -> Void) {
        client.loop.assertInLoop()
        client.evaluate(Self.admitScript, keys: [key],
                        arguments: [max(1, ratePerWindow), max(1, windowMilliseconds), max(1, burst)]) {
            completion(ClusterReply.flag($0))
        }
    }
}
