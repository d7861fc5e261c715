import GridlineCluster
import XCTest

final class ForwardKeyHorizonTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    func testTheHorizonIsTheWallClockMinusTheLifetimeWhileTheClocksAgree() {
        var horizon = ForwardKeyHorizon(lifetimeMilliseconds: 60_000)
        for tick in 0..<5 {
            let wall = 1_000_000 + Int64(tick) * 1_000 + (tick == 3 ? 400 : 0)  // a little drift is no step
            XCTAssertEqual(horizon.advance(wallMilliseconds: wall, monotonicNanoseconds: 50 * second + UInt64(tick) * second),
                           wall - 60_000)
        }
    }

    func testAfterAForwardStepTheHorizonHoldsForOneLifetimeOfMonotonicTime() {
        var horizon = ForwardKeyHorizon(lifetimeMilliseconds: 60_000)
        let start: Int64 = 5_000_000
        XCTAssertEqual(horizon.advance(wallMilliseconds: start, monotonicNanoseconds: 10 * second), start - 60_000)
        // One second later the wall clock reads an hour later: keys written a second ago must stay.
        let stepped = start + 3_600_000 + 1_000
        XCTAssertEqual(horizon.advance(wallMilliseconds: stepped, monotonicNanoseconds: 11 * second), start - 60_000)
        XCTAssertEqual(horizon.advance(wallMilliseconds: stepped + 30_000, monotonicNanoseconds: 41 * second), start - 60_000)
        XCTAssertEqual(horizon.advance(wallMilliseconds: stepped + 59_000, monotonicNanoseconds: 70 * second), start - 60_000)
        // A lifetime after the step every older key really is that old: back to the wall clock.
        XCTAssertEqual(horizon.advance(wallMilliseconds: stepped + 61_000, monotonicNanoseconds: 72 * second),
                       stepped + 61_000 - 60_000)
    }

    func testAStepBackMovesTheHorizonBackAtOnce() {
        var horizon = ForwardKeyHorizon(lifetimeMilliseconds: 60_000)
        let start: Int64 = 9_000_000
        _ = horizon.advance(wallMilliseconds: start, monotonicNanoseconds: 1 * second)
        let back = start - 600_000 + 1_000
        XCTAssertEqual(horizon.advance(wallMilliseconds: back, monotonicNanoseconds: 2 * second), back - 60_000,
                       "keys written after the step back carry earlier times and must not look old")
        XCTAssertEqual(horizon.advance(wallMilliseconds: back + 1_000, monotonicNanoseconds: 3 * second), back + 1_000 - 60_000)
    }
}
