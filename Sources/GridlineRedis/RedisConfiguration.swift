/// Where a Redis is and how to talk to it. Built by hand or from `REDIS_URL`.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    /// Selected with `SELECT` on every connect when not 0.
    public var database: Int
    public var username: String?
    /// Sent with `AUTH` on every connect when set.
    public var password: String?
    /// Set with `CLIENT SETNAME` on every connect (shows in `CLIENT LIST`).
    public var clientName: String?
    /// Seconds a connection attempt may take; commands queued meanwhile wait at most this long.
    public var connectTimeout: Double = 2
    /// Seconds the oldest in-flight command (or a subscriber's ping) may wait for its reply
    /// before the connection is taken for dead and dropped.
    public var replyTimeout: Double = 5
    /// Seconds between a subscriber's liveness pings.
    public var keepAliveInterval: Double = 1
    public var reconnectMinimumDelay: Double = 0.05
    public var reconnectMaximumDelay: Double = 2

    public init(host: String = "127.0.0.1", port: UInt16 = 6379, database: Int = 0) {
        self.host = host
        self.port = port
        self.database = database
    }
}
