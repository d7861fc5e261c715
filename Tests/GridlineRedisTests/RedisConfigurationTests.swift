import GridlineRedis
import XCTest

final class RedisConfigurationTests: XCTestCase {
    func testURLWithHostPortAndDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis://cache.internal:6380/2")
        XCTAssertEqual(configuration.host, "cache.internal")
        XCTAssertEqual(configuration.port, 6380)
        XCTAssertEqual(configuration.database, 2)
        XCTAssertNil(configuration.password)
    }

    func testURLDefaultsToPort6379AndDatabaseZero() throws {
        for url in ["redis://redis", "redis://redis/", "REDIS://redis"] {
            let configuration = try RedisConfiguration(url: url)
            XCTAssertEqual(configuration.host, "redis", url)
            XCTAssertEqual(configuration.port, 6379, url)
            XCTAssertEqual(configuration.database, 0, url)
        }
    }

    func testURLCredentialsArePercentDecoded() throws {
        let withUser = try RedisConfiguration(url: "redis://gridline:p%40ss%3Aword@10.0.0.5:7000/1")
        XCTAssertEqual(withUser.username, "gridline")
        XCTAssertEqual(withUser.password, "p@ss:word")
        XCTAssertEqual(withUser.host, "10.0.0.5")
        let passwordOnly = try RedisConfiguration(url: "redis://:secret@localhost")
        XCTAssertNil(passwordOnly.username)
        XCTAssertEqual(passwordOnly.password, "secret")
    }

    func testUnusableURLsAreRefusedWithTheirReason() {
        func reason(_ url: String) -> RedisURLError? {
            do {
                _ = try RedisConfiguration(url: url)
                return nil
            } catch {
                return error
            }
        }
        XCTAssertEqual(reason("rediss://host"), .unsupportedScheme("rediss"))
        XCTAssertEqual(reason("localhost:6379"), .unsupportedScheme(""))
        XCTAssertEqual(reason("redis://:6379"), .missingHost)
        XCTAssertEqual(reason("redis://host:0"), .invalidPort("0"))
        XCTAssertEqual(reason("redis://host:70000"), .invalidPort("70000"))
        XCTAssertEqual(reason("redis://host/x"), .invalidDatabase("x"))
    }

    func testBackoffDoublesUpToTheMaximumWithEqualJitter() {
        var backoff = ReconnectBackoff(minimum: 0.05, maximum: 2)
        // random = 1 gives each ceiling, random = 0 its half.
        let ceilings = (0..<8).map { _ in backoff.nextDelay(random: 1) }
        XCTAssertEqual(ceilings, [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2, 2])
        backoff.reset()
        XCTAssertEqual(backoff.nextDelay(random: 0), 0.025)
        XCTAssertEqual(backoff.failures, 1)
        for _ in 0..<100 { _ = backoff.nextDelay() }
        let delay = backoff.nextDelay()
        XCTAssertTrue((1...2).contains(delay), "\(delay)")
    }

    func testErrorsSayWhetherTheCommandMayHaveRun() {
        XCTAssertFalse(RedisError.notConnected.mayHaveExecuted)
        XCTAssertTrue(RedisError.timeout.mayHaveExecuted)
        XCTAssertEqual(RedisError.server("NOSCRIPT No matching script").serverCode, "NOSCRIPT")
        XCTAssertNil(RedisError.timeout.serverCode)
    }
}
