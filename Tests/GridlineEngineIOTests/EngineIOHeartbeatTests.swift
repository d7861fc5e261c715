import XCTest
@testable import GridlineEngineIO

final class EngineIOHeartbeatTests: XCTestCase {
    func testPingIsDueOneIntervalAfterTheStart() {
        var heartbeat = EngineIOHeartbeat(pingInterval: 25_000, pingTimeout: 20_000, now: 1_000)
        XCTAssertEqual(heartbeat.nextDeadline, 26_000)
        XCTAssertNil(heartbeat.tick(now: 25_999))
        XCTAssertEqual(heartbeat.tick(now: 26_000), .sendPing)
        XCTAssertEqual(heartbeat.pingSentAt, 26_000)
        XCTAssertNil(heartbeat.tick(now: 26_001), "one ping at a time")
    }

    func testMissingPongTimesOutAfterPingTimeout() {
        var heartbeat = EngineIOHeartbeat(pingInterval: 300, pingTimeout: 200, now: 0)
        XCTAssertEqual(heartbeat.tick(now: 300), .sendPing)
        XCTAssertEqual(heartbeat.nextDeadline, 500)
        XCTAssertNil(heartbeat.tick(now: 499))
        XCTAssertEqual(heartbeat.tick(now: 500), .timedOut)
    }

    func testPongReschedulesTheNextPingFromWhenItArrived() {
        var heartbeat = EngineIOHeartbeat(pingInterval: 300, pingTimeout: 200, now: 0)
        XCTAssertEqual(heartbeat.tick(now: 310), .sendPing)
        heartbeat.pongReceived(now: 400)
        XCTAssertNil(heartbeat.pingSentAt)
        XCTAssertEqual(heartbeat.nextDeadline, 700)
        XCTAssertNil(heartbeat.tick(now: 699))
        XCTAssertEqual(heartbeat.tick(now: 700), .sendPing)
    }

    func testLateTickStillSendsOnePingAndTimesOutFromWhenItWasSent() {
        var heartbeat = EngineIOHeartbeat(pingInterval: 300, pingTimeout: 200, now: 0)
        XCTAssertEqual(heartbeat.tick(now: 10_000), .sendPing)
        XCTAssertNil(heartbeat.tick(now: 10_199))
        XCTAssertEqual(heartbeat.tick(now: 10_200), .timedOut)
    }
}
