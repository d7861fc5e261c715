/// A pub/sub channel: plain (`SUBSCRIBE`/`PUBLISH`) or sharded (`SSUBSCRIBE`/`SPUBLISH`,
/// Redis 7, which in a Redis Cluster stays on the shard that owns the channel's slot).
public struct RedisChannel: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let isSharded: Bool

    public init(_ name: String, sharded: Bool) {
        self.name = name
        self.isSharded = sharded
    }

    public static func plain(_ name: String) -> RedisChannel { RedisChannel(name, sharded: false) }
    public static func sharded(_ name: String) -> RedisChannel { RedisChannel(name, sharded: true) }

    public var description: String { isSharded ? "shard:\(name)" : name }
}

/// One message received on a subscribed channel.
public struct RedisMessage: Sendable, Equatable {
    public let channel: RedisChannel
    public let payload: [UInt8]

    public init(channel: RedisChannel, payload: [UInt8]) {
        self.channel = channel
        self.payload = payload
    }
}
