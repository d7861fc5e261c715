import GridlineLoop
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

/// Subscriber and publisher against a real `redis-server`, including its death and return.
final class RedisPubSubTests: XCTestCase {
    private var redis: RedisServerProcess!
    private var harness: LoopHarness!
    private var client: RedisClient!
    private var subscriber: RedisSubscriber!
    nonisolated(unsafe) private var messages: [RedisMessage] = []
    nonisolated(unsafe) private var confirmed: [RedisChannel] = []
    nonisolated(unsafe) private var subscriberStates: [Bool] = []

    override func setUpWithError() throws {
        redis = try RedisServerProcess()
        harness = try LoopHarness()
        var configuration = RedisConfiguration(host: "127.0.0.1", port: redis.port)
        configuration.reconnectMinimumDelay = 0.02
        configuration.reconnectMaximumDelay = 0.2
        configuration.keepAliveInterval = 0.2
        configuration.clientName = "gridline-test"
        let loop = harness.loop
        (client, subscriber) = try harness.run {
            (RedisClient(loop: loop, configuration: configuration), RedisSubscriber(loop: loop, configuration: configuration))
        }
        let (client, subscriber) = (self.client!, self.subscriber!)
        try harness.run {
            subscriber.onMessage = { [unowned self] in self.messages.append($0) }
            subscriber.onSubscribed = { [unowned self] in self.confirmed.append($0) }
            subscriber.onStateChange = { [unowned self] in self.subscriberStates.append($0) }
            client.start()
            subscriber.start()
        }
        harness.wait("both connected") { client.isConnected && subscriber.isConnected }
    }

    override func tearDownWithError() throws {
        let (client, subscriber) = (self.client!, self.subscriber!)
        try harness.run {
            client.close()
            subscriber.close()
        }
        harness.stop()
        redis.stop()
    }

    /// Publishes until the subscriber has a message with `payload` (a resubscription may still be
    /// on its way), at most `attempts` times.
    private func publishUntilReceived(_ payload: String, on channel: RedisChannel, attempts: Int = 100) throws {
        let client = self.client!
        for _ in 0..<attempts {
            try harness.run {
                if channel.isSharded {
                    client.publishSharded(payload, to: channel.name)
                } else {
                    client.publish(payload, to: channel.name)
                }
            }
            usleep(30_000)
            if try harness.run({ self.messages.contains { $0.payload == Array(payload.utf8) && $0.channel == channel } }) {
                return
            }
        }
        XCTFail("\(payload) never arrived on \(channel)")
    }

    func testShardedAndPlainMessagesRoundTrip() throws {
        let subscriber = self.subscriber!, client = self.client!
        try harness.run {
            subscriber.subscribe(.sharded("room:{1}"))
            subscriber.subscribe(.plain("broadcast"))
        }
        harness.wait("both confirmed") { self.confirmed.count == 2 }
        nonisolated(unsafe) var receivers: [Int64] = []
        try harness.run {
            client.publishSharded([0, 1, 255], to: "room:{1}") { if case .success(let n) = $0 { receivers.append(n) } }
            client.publish("hello", to: "broadcast") { if case .success(let n) = $0 { receivers.append(n) } }
            client.publish("nobody", to: "elsewhere") { if case .success(let n) = $0 { receivers.append(n) } }
        }
        harness.wait("two messages") { self.messages.count == 2 && receivers.count == 3 }
        XCTAssertEqual(receivers, [1, 1, 0])
        XCTAssertEqual(messages, [
            RedisMessage(channel: .sharded("room:{1}"), payload: [0, 1, 255]),
            RedisMessage(channel: .plain("broadcast"), payload: Array("hello".utf8)),
        ])
    }

    func testUnsubscribedChannelGetsNoMoreMessages() throws {
        let subscriber = self.subscriber!, client = self.client!
        try harness.run {
            subscriber.subscribe(.plain("a"))
            subscriber.subscribe(.plain("b"))
        }
        harness.wait("confirmed") { self.confirmed.count == 2 }
        nonisolated(unsafe) var counts: [Int64] = []
        try harness.run {
            subscriber.unsubscribe(.plain("a"))
            client.publish("1", to: "a") { counts.append((try? $0.get()) ?? -1) }
            client.publish("2", to: "b") { counts.append((try? $0.get()) ?? -1) }
        }
        harness.wait("published") { counts.count == 2 && self.messages.count == 1 }
        XCTAssertEqual(counts, [0, 1], "the unsubscribe reached Redis before the publish")
        XCTAssertEqual(messages.map(\.channel), [.plain("b")])
    }

    func testRedisKilledAndRestartedClientReconnectsAndSubscriberResubscribes() throws {
        let subscriber = self.subscriber!, client = self.client!
        try harness.run { subscriber.subscribe(.sharded("room:{7}")) }
        harness.wait("subscribed") { self.confirmed.count == 1 }
        nonisolated(unsafe) var clientStates: [Bool] = []
        try harness.run { client.onStateChange = { clientStates.append($0) } }

        redis.kill9()
        harness.wait("both down") { !client.isConnected && !subscriber.isConnected }
        nonisolated(unsafe) var whileDown: Result<RESPValue, RedisError>?
        try harness.run { client.send(["PING"]) { whileDown = $0 } }
        harness.wait("refused while down") { whileDown != nil }
        guard case .failure(let error)? = whileDown else { return XCTFail("PING succeeded with Redis down") }
        XCTAssertTrue([.notConnected, .connectionLost].contains(error), "\(error)")

        try redis.start()
        harness.wait("both back") { client.isConnected && subscriber.isConnected }
        harness.wait("resubscribed") { self.confirmed.count == 2 }
        XCTAssertEqual(confirmed, [.sharded("room:{7}"), .sharded("room:{7}")])
        XCTAssertEqual(clientStates.first, false)
        XCTAssertEqual(clientStates.last, true)
        XCTAssertEqual(subscriberStates, [true, false, true])
        try publishUntilReceived("after restart", on: .sharded("room:{7}"))
    }

    func testClientKillOfPubSubConnectionsLeadsToResubscription() throws {
        let subscriber = self.subscriber!, client = self.client!
        try harness.run { subscriber.subscribe(.plain("news")) }
        harness.wait("subscribed") { self.confirmed.count == 1 }
        nonisolated(unsafe) var killed: Int64?
        try harness.run { client.send(["CLIENT", "KILL", "TYPE", "pubsub"]) { killed = try? $0.get().integer } }
        harness.wait("killed") { killed != nil }
        XCTAssertEqual(killed, 1, "exactly our subscriber")
        harness.wait("resubscribed") { self.confirmed.count == 2 }
        XCTAssertEqual(subscriberStates, [true, false, true])
        try harness.run { XCTAssertTrue(client.isConnected, "the command connection was not touched") }
        try publishUntilReceived("after kill", on: .plain("news"))
    }

    func testSilentlyStoppedRedisIsDetectedByTheSubscribersPing() throws {
        // SIGSTOP: the socket stays open but nothing answers; only the keep-alive notices.
        var configuration = subscriber.configuration
        configuration.replyTimeout = 0.4
        let loop = harness.loop
        let watcher = try harness.run { RedisSubscriber(loop: loop, configuration: configuration) }
        try harness.run { watcher.start() }
        harness.wait("watcher connected") { watcher.isConnected }
        let pid = try XCTUnwrap(redisPID())
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        harness.wait("detected", timeout: 5) { !watcher.isConnected }
        try harness.run {
            XCTAssertEqual(watcher.lastError, .timeout)
            watcher.close()
        }
    }

    private func redisPID() throws -> pid_t? {
        nonisolated(unsafe) var pid: pid_t?
        let client = self.client!
        try harness.run {
            client.send(["INFO", "server"]) { result in
                guard let text = try? result.get().string,
                      let line = text.split(separator: "\r\n").first(where: { $0.hasPrefix("process_id:") }) else { return }
                pid = pid_t(line.dropFirst("process_id:".count))
            }
        }
        harness.wait("INFO") { pid != nil }
        return pid
    }
}
