import Foundation
import GridlineCluster
import GridlineJSON
import GridlineLoop
import GridlineRedis
import GridlineStore

/// This node's part in a cluster (SPEC §15): its Redis connections (one pipelined command
/// connection, one subscriber), its name and incarnation, and the pieces that make several
/// nodes one service — shard ownership, forwarded writes, the room bus. Absent on a single
/// node, where nothing here runs. Loop thread only.
final class ClusterService {
    unowned(unsafe) let server: Server
    let nodeID: String
    /// Random per process: a node restarted under the same id is a new incarnation, so its old
    /// leases and forwards are not mistaken for its own.
    let incarnation: String
    let client: RedisClient
    let subscriber: RedisSubscriber
    let signer: ClusterSigner
    private(set) lazy var ownership = ShardOwnership(cluster: self)
    private(set) lazy var forwarding = WriteForwarding(cluster: self)
    private(set) lazy var bus = RoomBus(cluster: self)
    private(set) lazy var calls = ClusterCalls(cluster: self)
    private(set) lazy var users = ClusterUsers(cluster: self)
    private var forwardKeyHorizon = ForwardKeyHorizon(lifetimeMilliseconds: ClusterService.forwardKeyLifetimeMilliseconds)
    /// Lease and liveness TTL; renewals run every `renewInterval`.
    static let leaseMilliseconds = 5_000
    static let renewInterval = 1.0

    var inboxChannel: RedisChannel { .plain(ClusterKeys.inbox(nodeID)) }
    static let clusterChannel = RedisChannel.plain(ClusterKeys.clusterChannel)

    init(server: Server, configuration: RedisConfiguration, nodeID: String, secret: [UInt8]) {
        self.server = server
        self.nodeID = nodeID
        var bytes = [UInt8](repeating: 0, count: 8)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        incarnation = bytes.map { String(format: "%02x", $0) }.joined()
        var commands = configuration
        commands.clientName = "gridline-\(nodeID)"
        var events = configuration
        events.clientName = "gridline-\(nodeID)-sub"
        client = RedisClient(loop: server.loop, configuration: commands)
        subscriber = RedisSubscriber(loop: server.loop, configuration: events)
        signer = ClusterSigner(secret: secret)
    }

    /// `/api/v1/health`'s "redis": both connections up and this node registered on them.
    var redisIsUp: Bool { client.isConnected && subscriber.isConnected && users.registered }

    func start() {
        subscriber.onMessage = { [unowned self] message in self.receive(message) }
        subscriber.onSubscribed = { [unowned self] channel in self.bus.subscribed(channel) }
        subscriber.onStateChange = { [unowned self] up in if !up { self.bus.subscriberDown() } }
        client.onStateChange = { [unowned self] up in
            self.server.log(up ? .info : .warn, up ? "redis_connected" : "redis_down", [("node", .string(self.nodeID))])
            self.users.redisStateChanged(up: up)
        }
        registerCalls()
        subscriber.subscribe(inboxChannel)
        subscriber.subscribe(Self.clusterChannel)
        client.start()
        subscriber.start()
        ownership.start()
        bus.start()
        users.start()
        scheduleForwardLogPrune()
        server.log(.info, "cluster_node", [("node", .string(nodeID)), ("incarnation", .string(incarnation)),
                                           ("redis", .string("\(client.configuration.host):\(client.configuration.port)"))])
    }

    /// Graceful shutdown: hand the shards over now rather than after a lease's TTL, end this
    /// node's AI jobs, take its users out of Redis, then close both connections (at most a
    /// second later).
    func stop() {
        ownership.releaseAll()
        endOwnJobs()
        var closed = false
        let close = { [unowned self] in
            guard !closed else { return }
            closed = true
            self.client.close()
            self.subscriber.close()
        }
        users.unregister { [unowned self] in self.server.loop.schedule(after: 0.05, close) }
        server.loop.schedule(after: 1, close)
    }

    private func refuse(_ message: RedisMessage, reason: String) {
        server.stats.clusterForgeries += 1
        server.log(.warn, "cluster_message_refused", [("channel", .string(message.channel.name)), ("reason", .string(reason))])
    }

    /// Idempotency keys are needed for seconds (a forward's retries end at its 10 s deadline);
    /// each is kept a minute, then pruned from the oldest end, a slice a second — or sooner
    /// while slices come back full, so the log keeps up with any forwarding rate. The minute
    /// is measured so that a wall clock stepped forward cannot age keys at once.
    private func scheduleForwardLogPrune(after seconds: Double = 1) {
        server.loop.schedule(after: seconds) { [weak self] in
            guard let self else { return }
            let before = self.forwardKeyHorizon.advance(wallMilliseconds: Timestamp.nowMilliseconds(),
                                                        monotonicNanoseconds: self.server.loop.now)
            let limit = Self.forwardKeysPrunedPerSlice
            self.server.store.writer.submit({ db in try ForwardLog.prune(db, before: before, limit: limit) },
                                            completion: self.server.onLoop { [weak self] (result: Result<Int, Error>) in
                let full = (try? result.get()) == limit
                self?.scheduleForwardLogPrune(after: full ? 0.05 : 1)
            })
        }
    }

    static let forwardKeyLifetimeMilliseconds: Int64 = 60_000
    static let forwardKeysPrunedPerSlice = 5_000

    /// Sends a sealed envelope to another node's inbox.
    func send(_ envelope: ClusterEnvelope, toNode node: String, completion: ((Result<Int64, RedisError>) -> Void)? = nil) {
        client.publish(signer.seal(envelope), to: ClusterKeys.inbox(node), completion: completion)
    }

    private func receive(_ message: RedisMessage) {
        // Header first: our own room events come back from Redis and are dropped unverified (a
        // forged "from us" is dropped too, which is harmless); the rest must carry a good MAC.
        guard let envelope = signer.unverifiedEnvelope(message.payload) else { return refuse(message, reason: "malformed") }
        if message.channel.isSharded, envelope.string("n") == nodeID { return }
        guard signer.verify(message.payload) else { return refuse(message, reason: "bad MAC") }
        if message.channel.isSharded {
            bus.receive(envelope, channel: message.channel)
        } else if message.channel == inboxChannel {
            switch envelope.string("k") {
            case "ret": calls.receiveReturn(envelope)
            case "close": users.receiveClose(envelope)
            default: forwarding.receive(envelope)
            }
        } else if envelope.string("k") == "call" {
            calls.receiveCall(envelope)
        }
    }
}
