import XCTest
@testable import GridlineCollab

final class RateLimiterTests: XCTestCase {
    let second: UInt64 = 1_000_000_000

    func testPerMinuteLimitRefusesAndSaysWhenToRetry() {
        var limiter = WriteRateLimiter(perMinute: 3, perHour: 100, blockSeconds: 900)
        let t0: UInt64 = 1_000 * second
        for _ in 0..<3 { XCTAssertEqual(limiter.check(user: "a", now: t0), .allowed) }
        XCTAssertEqual(limiter.check(user: "a", now: t0 + 20 * second), .refused(retryAfter: 40, window: "minute"))
        XCTAssertEqual(limiter.check(user: "b", now: t0 + 20 * second), .allowed, "limits are per user")
        XCTAssertEqual(limiter.check(user: "a", now: t0 + 61 * second), .allowed, "a new minute frees it")
    }

    func testPerHourLimitAppliesAcrossMinutes() {
        var limiter = WriteRateLimiter(perMinute: 10, perHour: 4, blockSeconds: 900)
        let t0: UInt64 = 5 * second
        for i in 0..<4 { XCTAssertEqual(limiter.check(user: "a", now: t0 + UInt64(i) * 70 * second), .allowed) }
        guard case .refused(_, let window) = limiter.check(user: "a", now: t0 + 300 * second) else { return XCTFail() }
        XCTAssertEqual(window, "hour")
    }

    func testThreeViolationsWithinAnHourBlock() {
        var limiter = WriteRateLimiter(perMinute: 1, perHour: 100, blockSeconds: 120)
        let t0: UInt64 = 10 * second
        XCTAssertEqual(limiter.check(user: "a", now: t0), .allowed)
        guard case .refused = limiter.check(user: "a", now: t0 + 1) else { return XCTFail() }
        guard case .refused = limiter.check(user: "a", now: t0 + 2) else { return XCTFail() }
        XCTAssertEqual(limiter.check(user: "a", now: t0 + 3), .blocked(retryAfter: 120))
        // Still blocked after the minute window resets.
        guard case .blocked = limiter.check(user: "a", now: t0 + 90 * second) else { return XCTFail() }
        XCTAssertEqual(limiter.check(user: "a", now: t0 + 121 * second), .allowed)
    }

    func testIdleUsersAreForgotten() {
        var limiter = WriteRateLimiter(perMinute: 5, perHour: 100, blockSeconds: 60)
        for i in 0..<1000 { _ = limiter.check(user: "u\(i)", now: second) }
        XCTAssertEqual(limiter.trackedUsers, 1000)
        limiter.sweep(now: second + 3601 * second)
        XCTAssertEqual(limiter.trackedUsers, 0)
    }

    func testConnectRateIsPerAddressPerTenSeconds() {
        var limiter = ConnectRateLimiter(perWindow: 2)
        XCTAssertTrue(limiter.admit(address: "10.0.0.1", now: second))
        XCTAssertTrue(limiter.admit(address: "10.0.0.1", now: second))
        XCTAssertFalse(limiter.admit(address: "10.0.0.1", now: 2 * second))
        XCTAssertTrue(limiter.admit(address: "10.0.0.2", now: 2 * second))
        XCTAssertTrue(limiter.admit(address: "10.0.0.1", now: 12 * second))
        limiter.sweep(now: 100 * second)
        XCTAssertEqual(limiter.trackedAddresses, 0)
    }

    func testConnectLimiterStaysBoundedUnderDistinctAddresses() {
        var limiter = ConnectRateLimiter(perWindow: 5)
        for i in 0..<(ConnectRateLimiter.maxTracked + 5000) {
            _ = limiter.admit(address: "a\(i)", now: second)
        }
        XCTAssertLessThanOrEqual(limiter.trackedAddresses, ConnectRateLimiter.maxTracked)
    }

    func testCursorSignalsPastThePerSecondRateAreRefused() {
        var state = ClientState(connectionID: 1, user: User(id: "u", username: "u", email: nil, role: .editor, rooms: nil))
        let results = (0..<40).map { _ in state.admitSignal(now: 5 * second, perSecond: 30) }
        XCTAssertEqual(results.filter { $0 }.count, 30)
        XCTAssertTrue(state.admitSignal(now: 6 * second, perSecond: 30))
    }
}
