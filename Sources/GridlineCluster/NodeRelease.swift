import GridlineRedis
import GridlineRESP

/// The Lua that releases everything a node added (presence entries and connection entries),
/// shared by the reaper of dead nodes and a node's own graceful unregister, so both release
/// exactly the same way. It runs inside one script, so a second caller finds nothing left.
enum NodeRelease {
    /// `release(node)` returns a flat array {room, user, totalUsers, ...}: the users whose
    /// count in a room reached zero. Key names mirror `ClusterKeys` (checked by the tests).
    /// The keys it touches are computed from the node's sets, which a single Redis allows.
    static let luaFunction = #"""
        local function release(node)
          local leaves = {}
          local entriesKey = 'gl:node:' .. node .. ':entries'
          for _, entry in ipairs(redis.call('SMEMBERS', entriesKey)) do
            local room, user = string.match(entry, '^(.-)\n(.-)\n')
            if room then
              local usersKey = 'gl:room:' .. room .. ':users'
              if redis.call('HINCRBY', usersKey, user, -1) <= 0 then
                redis.call('HDEL', usersKey, user)
                redis.call('HDEL', 'gl:room:' .. room .. ':info', user)
                leaves[#leaves + 1] = room
                leaves[#leaves + 1] = user
                leaves[#leaves + 1] = redis.call('HLEN', usersKey)
              end
            end
          end
          redis.call('DEL', entriesKey)
          local connsKey = 'gl:node:' .. node .. ':conns'
          for _, entry in ipairs(redis.call('SMEMBERS', connsKey)) do
            local user, member = string.match(entry, '^(.-)\n(.*)$')
            if user then redis.call('ZREM', 'gl:user:' .. user .. ':conns', member) end
          end
          redis.call('DEL', connsKey)
          redis.call('SREM', 'gl:nodes', node)
          return leaves
        end
        """#

    /// Decodes `release`'s flat array.
    static func leaves(from reply: RESPValue) -> Result<[ReapedLeave], RedisError> {
        guard let parts = reply.array, parts.count % 3 == 0 else { return .failure(.unexpectedReply(reply)) }
        var leaves: [ReapedLeave] = []
        leaves.reserveCapacity(parts.count / 3)
        var index = 0
        while index < parts.count {
            guard let room = parts[index].string, let user = parts[index + 1].string,
                  let total = parts[index + 2].integer else { return .failure(.unexpectedReply(reply)) }
            leaves.append(ReapedLeave(room: room, userID: user, totalUsers: Int(total)))
            index += 3
        }
        return .success(leaves)
    }
}
