import GridlineLoop
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

/// The command client against a real `redis-server` of the test's own.
final class RedisClientTests: RedisTestCase {
    private var client: RedisClient!

    override func setUpWithError() throws {
        try super.setUpWithError()
        client = try makeClient()
    }

    private func call(_ arguments: [any RESPArgument]) throws -> Result<RESPValue, RedisError> {
        let client = self.client!
        nonisolated(unsafe) let command = arguments
        return try outcome("reply to \(arguments.count) arguments") { done in client.send(command) { done($0) } }
    }

    func testTenThousandPipelinedCommandsAreAnsweredInOrder() throws {
        let client = self.client!
        nonisolated(unsafe) var replies: [Int64] = []
        nonisolated(unsafe) var echoes = 0
        try harness.run {
            // One pass: all 20,000 commands go out in one write, replies interleave INCR and ECHO.
            for i in 0..<10_000 {
                client.send(["INCR", "counter"]) { result in
                    if case .success(.integer(let value)) = result { replies.append(value) }
                }
                client.send(["ECHO", "m\(i)"]) { result in
                    if case .success(let value) = result, value.string == "m\(i)" { echoes += 1 }
                }
            }
            XCTAssertEqual(client.inFlightCount, 20_000)
        }
        harness.wait("all replies", timeout: 30) { replies.count == 10_000 && echoes == 10_000 }
        XCTAssertEqual(replies, Array(1...10_000))
        XCTAssertEqual(echoes, 10_000)
        try harness.run { XCTAssertEqual(client.inFlightCount, 0) }
    }

    func testErrorReplyFailsOnlyItsOwnCommand() throws {
        XCTAssertEqual(try call(["SET", "s", "text"]), .success(.simpleString("OK")))
        guard case .failure(let error) = try call(["INCR", "s"]) else { return XCTFail("INCR on text succeeded") }
        XCTAssertEqual(error.serverCode, "ERR")
        XCTAssertFalse(error.mayHaveExecuted)
        XCTAssertEqual(try call(["GET", "s"]), .success(.bulkString(Array("text".utf8))))
    }

    func testSetIfAbsentWithExpiryHasOneWinnerAndExpires() throws {
        let client = self.client!
        nonisolated(unsafe) var outcomes: [Bool] = []
        try harness.run {
            for owner in ["node-a", "node-b", "node-c"] {
                client.set("lease:room1", to: owner, onlyIfAbsent: true, expiresInMilliseconds: 200) { result in
                    if case .success(let stored) = result { outcomes.append(stored) }
                }
            }
        }
        harness.wait("three answers") { outcomes.count == 3 }
        XCTAssertEqual(outcomes, [true, false, false])
        XCTAssertEqual(try call(["GET", "lease:room1"]).map(\.string), .success("node-a"))
        guard case .success(.integer(let ttl)) = try call(["PTTL", "lease:room1"]) else { return XCTFail("PTTL") }
        XCTAssertTrue((1...200).contains(ttl), "PTTL \(ttl)")
        var gone = false
        for _ in 0..<100 where !gone {
            gone = try call(["EXISTS", "lease:room1"]) == .success(.integer(0))
            if !gone { usleep(20_000) }
        }
        XCTAssertTrue(gone, "the lease expired")
        nonisolated(unsafe) var retaken: Bool?
        try harness.run {
            client.set("lease:room1", to: "node-b", onlyIfAbsent: true, expiresInMilliseconds: 5000) { result in
                retaken = try? result.get()
            }
        }
        harness.wait("retake") { retaken != nil }
        XCTAssertEqual(retaken, true)
    }

    func testTimeIsTheServersClockInMicroseconds() throws {
        let client = self.client!
        nonisolated(unsafe) var micros: Int64?
        try harness.run { client.time { micros = try? $0.get() } }
        harness.wait("TIME") { micros != nil }
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        XCTAssertLessThan(abs(try XCTUnwrap(micros) - now), 5_000_000)
    }

    func testDatabaseFromTheURLIsSelectedOnConnect() throws {
        let loop = harness.loop
        let configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(redis.port)/3")
        let other = try harness.run { RedisClient(loop: loop, configuration: configuration) }
        nonisolated(unsafe) var stored = false
        try harness.run {
            other.start()
            // Queued while connecting: written after SELECT, so it lands in database 3.
            other.send(["SET", "where", "db3"]) { stored = (try? $0.get()) == .simpleString("OK") }
        }
        harness.wait("SET in db 3") { stored }
        XCTAssertEqual(try call(["GET", "where"]), .success(.null), "database 0 does not have it")
        XCTAssertEqual(try call(["SELECT", "3"]), .success(.simpleString("OK")))
        XCTAssertEqual(try call(["GET", "where"]).map(\.string), .success("db3"))
        try harness.run { other.close() }
    }

    func testRefusedHandshakeIsReportedAndNeverConnects() throws {
        let loop = harness.loop
        var configuration = RedisConfiguration(host: "127.0.0.1", port: redis.port)
        configuration.password = "wrong"
        let other = try harness.run { RedisClient(loop: loop, configuration: configuration) }
        try harness.run { other.start() }
        harness.wait("handshake refusal") {
            if case .handshakeFailed(let message)? = other.lastError { return message.contains("AUTH") }
            return false
        }
        try harness.run {
            XCTAssertFalse(other.isConnected)
            other.close()
        }
    }

    func testCommandAfterCloseFailsWithClosed() throws {
        let client = self.client!
        nonisolated(unsafe) var outcome: Result<RESPValue, RedisError>?
        try harness.run {
            client.close()
            client.send(["PING"]) { outcome = $0 }
        }
        harness.wait("closed failure") { outcome != nil }
        XCTAssertEqual(outcome.flatMap { try? $0.get() }, nil)
        guard case .failure(.closed)? = outcome else { return XCTFail("\(String(describing: outcome))") }
        self.client = nil
    }
}
