import GridlineLoop
import GridlineRESP

/// A dedicated pub/sub connection (RESP2 puts a subscribed connection in a mode where it takes
/// no other commands). It keeps the set of channels it should be on and subscribes to all of
/// them again after every reconnect, so a Redis restart or `CLIENT KILL` only costs the
/// messages published while it was away; `onSubscribed` tells the owner when to repair that gap.
/// A ping every `keepAliveInterval` finds a connection that went silent. Loop thread only.
public final class RedisSubscriber: @unchecked Sendable {  // loop-thread state only; Sendable to be handed to `loop.execute`
    public let loop: EventLoop
    public let configuration: RedisConfiguration
    /// The channels this subscriber should be on, whether or not it is connected.
    public private(set) var channels: Set<RedisChannel> = []
    public private(set) var isConnected = false
    public var onMessage: ((RedisMessage) -> Void)?
    /// The server confirmed a subscription: after `subscribe` and after every resubscription.
    public var onSubscribed: ((RedisChannel) -> Void)?
    public var onStateChange: ((Bool) -> Void)?

    private let link: RedisLink
    private var pingSentAt: UInt64?
    private var keepAlive: TimerHandle?

    public init(loop: EventLoop, configuration: RedisConfiguration) {
        self.loop = loop
        self.configuration = configuration
        self.link = RedisLink(loop: loop, configuration: configuration)
        link.onReady = { [unowned self] in
            self.pingSentAt = nil
            self.isConnected = true
            for channel in self.channels { self.sendSubscribe(channel) }
            self.onStateChange?(true)
        }
        link.onValue = { [unowned self] in self.receive($0) }
        link.onDown = { [unowned self] _, _ in
            guard self.isConnected else { return }
            self.isConnected = false
            self.onStateChange?(false)
        }
    }

    /// The latest connection failure or refused subscription; nil after a good reconnect.
    public var lastError: RedisError? { refusal ?? link.lastError }
    private var refusal: RedisError?

    public func start() {
        link.start()
        scheduleKeepAlive()
    }

    /// Adds a channel; subscribed now if connected, else on connect.
    public func subscribe(_ channel: RedisChannel) {
        guard channels.insert(channel).inserted, link.state == .ready else { return }
        sendSubscribe(channel)
    }

    public func unsubscribe(_ channel: RedisChannel) {
        guard channels.remove(channel) != nil, link.state == .ready else { return }
        link.enqueue([channel.isSharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE", channel.name])
    }

    public func close() {
        keepAlive?.cancel()
        link.close()
        if isConnected {
            isConnected = false
            onStateChange?(false)
        }
    }

    private func sendSubscribe(_ channel: RedisChannel) {
        // One channel per SSUBSCRIBE: in a cluster a sharded subscribe must stay within one slot.
        link.enqueue([channel.isSharded ? "SSUBSCRIBE" : "SUBSCRIBE", channel.name])
    }

    private func receive(_ value: RESPValue) {
        if let message = value.errorMessage {
            refusal = .server(message)
            return
        }
        if value == .simpleString("PONG") {  // a ping answered before any subscription
            pingSentAt = nil
            return
        }
        guard let parts = value.array, let kind = parts.first?.string else { return }
        let name = parts.count > 1 ? parts[1].string ?? "" : ""
        switch (kind, parts.count) {
        case ("message", 3), ("smessage", 3):
            let channel = RedisChannel(name, sharded: kind == "smessage")
            // A message for a channel just left (its unsubscribe still in flight) is dropped.
            guard channels.contains(channel), let payload = parts[2].bytes else { return }
            onMessage?(RedisMessage(channel: channel, payload: payload))
        case ("subscribe", 3), ("ssubscribe", 3):
            let channel = RedisChannel(name, sharded: kind == "ssubscribe")
            refusal = nil
            if channels.contains(channel) { onSubscribed?(channel) }
        case ("sunsubscribe", 3):
            // Unasked (a Redis Cluster moved the slot): join again wherever the slot now lives.
            let channel = RedisChannel.sharded(name)
            if channels.contains(channel) { sendSubscribe(channel) }
        case ("pong", _):
            pingSentAt = nil
        default:
            break
        }
    }

    private func scheduleKeepAlive() {
        keepAlive = loop.schedule(after: configuration.keepAliveInterval) { [weak self] in
            guard let self, self.link.state != .closed else { return }
            if self.link.state == .ready {
                if let sentAt = self.pingSentAt {
                    if self.loop.now - sentAt > UInt64(self.configuration.replyTimeout * 1e9) {
                        self.link.drop(.timeout)
                    }
                } else {
                    self.pingSentAt = self.loop.now
                    self.link.enqueue(["PING"])
                }
            }
            self.scheduleKeepAlive()
        }
    }
}
