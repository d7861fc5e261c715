import GridlineLoop
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

/// The client against a scripted fake server that answers byte by byte, garbage, or nothing.
final class RedisClientFaultTests: XCTestCase {
    private var harness: LoopHarness!
    private var server: ScriptedServer!
    private var client: RedisClient!

    override func setUpWithError() throws {
        harness = try LoopHarness()
        let loop = harness.loop
        server = try harness.run { try ScriptedServer(loop: loop) }
    }

    override func tearDownWithError() throws {
        if let client { try harness.run { client.close() } }
        harness.stop()
    }

    private func startClient(replyTimeout: Double = 5) throws -> RedisClient {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: server.port)
        configuration.replyTimeout = replyTimeout
        configuration.reconnectMinimumDelay = 0.02
        let loop = harness.loop
        let client = try harness.run { RedisClient(loop: loop, configuration: configuration) }
        self.client = client
        try harness.run { client.start() }
        harness.wait("connected") { client.isConnected }
        return client
    }

    func testReplyDeliveredOneByteAtATimeIsDecodedWhole() throws {
        let client = try startClient()
        let loop = harness.loop
        let reply = Array("+PONG\r\n$5\r\nhe\r\no\r\n*2\r\n:42\r\n$-1\r\n".utf8)
        server.onCommand = { connection, index in
            guard index == 2 else { return }
            // One byte per timer tick, so every byte arrives in its own read.
            for (offset, byte) in reply.enumerated() {
                loop.schedule(after: Double(offset) * 0.002) { connection.write([byte]) }
            }
        }
        nonisolated(unsafe) var results: [RESPValue] = []
        try harness.run {
            for _ in 0..<3 { client.send(["PING"]) { if case .success(let v) = $0 { results.append(v) } } }
        }
        harness.wait("three replies") { results.count == 3 }
        XCTAssertEqual(results, [.simpleString("PONG"), .bulkString(Array("he\r\no".utf8)), .array([.integer(42), .null])])
    }

    func testGarbageReplyFailsWithAProtocolErrorAndReconnects() throws {
        let client = try startClient()
        server.onCommand = { connection, index in
            if index == 0 { connection.write(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)) }
        }
        nonisolated(unsafe) var outcomes: [Result<RESPValue, RedisError>] = []
        nonisolated(unsafe) var states: [Bool] = []
        try harness.run {
            client.onStateChange = { states.append($0) }
            client.send(["GET", "a"]) { outcomes.append($0) }
            client.send(["GET", "b"]) { outcomes.append($0) }
        }
        harness.wait("both failed") { outcomes.count == 2 }
        for outcome in outcomes {
            guard case .failure(let error) = outcome else { return XCTFail("\(outcome)") }
            XCTAssertEqual(error, .protocolError(.unknownType(UInt8(ascii: "H"))))
            XCTAssertEqual(error.description, "redis: RESP: unknown type byte 0x48")
        }
        harness.wait("reconnected") { self.server.acceptedCount == 2 && client.isConnected }
        XCTAssertEqual(states, [false, true])
        // The new connection works.
        server.onCommand = { connection, _ in connection.write(Array("+OK\r\n".utf8)) }
        nonisolated(unsafe) var after: RESPValue?
        try harness.run { client.send(["PING"]) { after = try? $0.get() } }
        harness.wait("reply on new connection") { after != nil }
        XCTAssertEqual(after, .simpleString("OK"))
    }

    func testCloseMidReplyFailsEveryInFlightCommandInsteadOfHanging() throws {
        let client = try startClient()
        let loop = harness.loop
        server.onCommand = { connection, index in
            guard index == 2 else { return }
            connection.write(Array("+OK\r\n$10\r\nhal".utf8))
            // Written at the end of this pass; the hang-up comes a little later, mid-reply.
            loop.schedule(after: 0.05) { connection.close() }
        }
        nonisolated(unsafe) var outcomes: [Int: Result<RESPValue, RedisError>] = [:]
        try harness.run {
            for i in 0..<3 { client.send(["GET", "k\(i)"]) { outcomes[i] = $0 } }
        }
        harness.wait("all three answered") { outcomes.count == 3 }
        XCTAssertEqual(outcomes[0], .success(.simpleString("OK")))
        XCTAssertEqual(outcomes[1], .failure(.connectionLost))
        XCTAssertEqual(outcomes[2], .failure(.connectionLost))
        XCTAssertTrue(RedisError.connectionLost.mayHaveExecuted)
        harness.wait("reconnected") { self.server.acceptedCount == 2 && client.isConnected }
    }

    func testSilentServerTimesTheCommandOutAndDropsTheConnection() throws {
        let client = try startClient(replyTimeout: 0.3)
        nonisolated(unsafe) var outcome: Result<RESPValue, RedisError>?
        let start = Date()
        try harness.run { client.send(["BLPOP", "never", "0"]) { outcome = $0 } }
        harness.wait("timeout") { outcome != nil }
        XCTAssertEqual(outcome, .failure(.timeout))
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        harness.wait("reconnected") { self.server.acceptedCount == 2 && client.isConnected }
    }

    func testCommandWhileRedisIsUnreachableFailsFastWithNotConnected() throws {
        let port = try RedisServerProcess.freePort()
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.reconnectMinimumDelay = 1
        configuration.reconnectMaximumDelay = 1
        let loop = harness.loop
        let client = try harness.run { RedisClient(loop: loop, configuration: configuration) }
        self.client = client
        nonisolated(unsafe) var queuedDuringAttempt: Result<RESPValue, RedisError>?
        try harness.run {
            client.start()
            client.send(["PING"]) { queuedDuringAttempt = $0 }
        }
        harness.wait("attempt failed") { queuedDuringAttempt != nil }
        XCTAssertEqual(queuedDuringAttempt, .failure(.notConnected))
        try harness.run {
            guard case .connectFailed(let reason)? = client.lastError else { return XCTFail("\(String(describing: client.lastError))") }
            XCTAssertTrue(reason.contains("refused"), reason)
        }
        nonisolated(unsafe) var duringBackoff: Result<RESPValue, RedisError>?
        let start = Date()
        try harness.run { client.send(["PING"]) { duringBackoff = $0 } }
        harness.wait("fast failure") { duringBackoff != nil }
        XCTAssertEqual(duringBackoff, .failure(.notConnected))
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "did not wait for the next attempt")
    }
}
