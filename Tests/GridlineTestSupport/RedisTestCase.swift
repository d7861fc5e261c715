import Foundation
import GridlineLoop
import GridlineRedis
import GridlineRESP
import XCTest

/// A test's own redis-server and loop, plus `RedisClient`s on that loop (one per simulated
/// node in the cluster tests), all closed and stopped when the test ends.
open class RedisTestCase: XCTestCase {
    public var redis: RedisServerProcess!
    public var harness: LoopHarness!
    private var clients: [RedisClient] = []

    open override func setUpWithError() throws {
        redis = try RedisServerProcess()
        harness = try LoopHarness()
    }

    open override func tearDownWithError() throws {
        let clients = self.clients
        try harness.run { clients.forEach { $0.close() } }
        harness.stop()
        redis.stop()
    }

    /// A connected client: one per "node" of the test.
    public func makeClient() throws -> RedisClient {
        let configuration = RedisConfiguration(host: "127.0.0.1", port: redis.port)
        let loop = harness.loop
        let client = try harness.run { RedisClient(loop: loop, configuration: configuration) }
        try harness.run { client.start() }
        harness.wait("connected") { client.isConnected }
        clients.append(client)
        return client
    }

    /// Starts `operation` on the loop and waits (bounded) for its completion.
    public func outcome<T>(_ what: String, _ operation: @escaping (@escaping (Result<T, RedisError>) -> Void) -> Void)
        throws -> Result<T, RedisError> {
        nonisolated(unsafe) var outcome: Result<T, RedisError>?
        nonisolated(unsafe) let start = operation
        try harness.run { start { outcome = $0 } }
        harness.wait(what) { outcome != nil }
        guard let outcome else { throw TestTimeout(what: what) }  // `wait` has failed the test
        return outcome
    }

    /// Like `outcome`, for an operation that must succeed.
    public func value<T>(_ what: String, _ operation: @escaping (@escaping (Result<T, RedisError>) -> Void) -> Void) throws -> T {
        try outcome(what, operation).get()
    }

    /// One raw command, to look at the keys the scripts wrote.
    public func command(_ client: RedisClient, _ arguments: [String]) throws -> RESPValue {
        try value(arguments.joined(separator: " ")) { done in client.send(arguments) { done($0) } }
    }

    /// A SET's or ZSET's or HASH's members as sorted strings.
    public func sortedStrings(_ reply: RESPValue) -> [String] {
        (reply.array ?? []).compactMap(\.string).sorted()
    }
}
