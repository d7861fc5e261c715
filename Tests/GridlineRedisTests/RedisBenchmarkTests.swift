import Foundation
import GridlineLoop
import GridlineRedis
import GridlineRESP
import XCTest
import GridlineTestSupport

/// A micro-benchmark, not a timed test: it prints pipelined PUBLISH throughput and the PING
/// round trip on loopback, and asserts only that every reply came back.
final class RedisBenchmarkTests: XCTestCase {
    func testPipelinedPublishThroughputAndPingRoundTrip() throws {
        let redis = try RedisServerProcess()
        let harness = try LoopHarness()
        defer {
            harness.stop()
            redis.stop()
        }
        let configuration = RedisConfiguration(host: "127.0.0.1", port: redis.port)
        let loop = harness.loop
        let client = try harness.run { RedisClient(loop: loop, configuration: configuration) }
        try harness.run { client.start() }
        harness.wait("connected") { client.isConnected }

        // Throughput: 200,000 PUBLISH of a 100-byte payload, 10,000 per loop pass.
        let total = 200_000, batch = 10_000
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 100)
        nonisolated(unsafe) var answered = 0
        nonisolated(unsafe) var finishedAt: UInt64 = 0
        let startedAt = monotonicNanoseconds()
        for _ in 0..<(total / batch) {
            try harness.run {
                for _ in 0..<batch {
                    client.publish(payload, to: "bench") { _ in
                        answered += 1
                        if answered == total { finishedAt = monotonicNanoseconds() }
                    }
                }
            }
        }
        harness.wait("all published", timeout: 60) { answered == total }
        let seconds = Double(finishedAt - startedAt) / 1e9
        let perSecond = Double(total) / seconds

        // Round trip: 2,000 PINGs, each sent when the previous reply arrives.
        let pings = 2_000
        nonisolated(unsafe) var samples: [UInt64] = []
        try harness.run {
            func next() {
                let sentAt = monotonicNanoseconds()
                client.send(["PING"]) { _ in
                    samples.append(monotonicNanoseconds() - sentAt)
                    if samples.count < pings { next() }
                }
            }
            next()
        }
        harness.wait("pings", timeout: 60) { samples.count == pings }
        let sorted = samples.sorted()
        let p50 = Double(sorted[pings / 2]) / 1000, p99 = Double(sorted[pings * 99 / 100]) / 1000
        print(String(format: "redis bench: %d pipelined PUBLISH in %.3f s = %.0f/s; PING round trip p50 %.1f µs, p99 %.1f µs",
                     total, seconds, perSecond, p50, p99))
        XCTAssertEqual(answered, total)
        XCTAssertEqual(samples.count, pings)
        try harness.run { client.close() }
    }
}
