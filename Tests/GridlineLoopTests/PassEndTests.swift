import Foundation
import Glibc
import XCTest
@testable import GridlineLoop

/// End-of-pass actions and links flushed first: what a batching layer hands to a Redis link goes
/// out in the pass that produced it, ahead of the client sockets (SPEC §15's cross-node latency).
final class PassEndTests: XCTestCase {
    func testEndOfPassActionsAndTheActionsTheyAddRunInThePassThatQueuedThemBeforeItsOutput() throws {
        let harness = try LoopbackHarness()
        defer { harness.stop() }
        let (client, side) = try harness.connect()
        let log = PassRecord()
        harness.onLoop {
            let loop = harness.loop
            log.queuedIn = loop.passCount
            loop.atEndOfPass {
                log.outerRanIn = loop.passCount
                log.pendingWhenOuterRan = side.value.pendingOutputBytes
                loop.atEndOfPass {
                    log.innerRanIn = loop.passCount
                    side.value.write(Array("batch".utf8))
                }
                loop.schedule(after: 0) { log.zeroTimerRanIn = loop.passCount }
            }
            side.value.write(Array("early;".utf8))
            loop.passDidEnd = {
                if log.writtenBy == 0, side.value.pendingOutputBytes == 0 { log.writtenBy = loop.passCount }
            }
        }
        var received = [UInt8](repeating: 0, count: 11)
        XCTAssertTrue(receiveExactly(client, into: &received))
        XCTAssertEqual(String(decoding: received, as: UTF8.self), "early;batch")
        harness.onLoop { harness.loop.passDidEnd = nil }
        // That pass's timers ran after its handed-in task; this task comes a pass later.
        XCTAssertNotEqual(harness.onLoop { log.zeroTimerRanIn }, 0)
        XCTAssertEqual(log.outerRanIn, log.queuedIn)
        XCTAssertEqual(log.pendingWhenOuterRan, 6, "the pass's output is still queued when its end-of-pass actions run")
        XCTAssertEqual(log.innerRanIn, log.queuedIn, "an action added by an end-of-pass action runs in the same pass")
        XCTAssertEqual(log.writtenBy, log.queuedIn, "and what it queued is written in that pass")
        XCTAssertGreaterThan(log.zeroTimerRanIn, log.queuedIn, "a zero-delay timer added then waits for the next pass")
    }

    func testALinkThatFlushesFirstIsWrittenBeforeTheConnectionsQueuedAheadOfIt() throws {
        let harness = try LoopbackHarness()
        defer { harness.stop() }
        let (firstClient, first) = try harness.connect()
        let (secondClient, second) = try harness.connect()
        let (linkClient, link) = try harness.connect()
        let log = PassRecord()
        harness.onLoop {
            link.value.flushesFirst = true
            for (name, side) in [("first", first), ("second", second), ("link", link)] {
                side.value.onDrained = { log.drained.append(name) }
            }
            first.value.write(Array("1".utf8))
            second.value.write(Array("2".utf8))
            harness.loop.atEndOfPass { link.value.write(Array("L".utf8)) }
        }
        for fd in [firstClient, secondClient, linkClient] {
            var byte = [UInt8](repeating: 0, count: 1)
            XCTAssertTrue(receiveExactly(fd, into: &byte))
        }
        let order = harness.onLoop { log.drained }
        XCTAssertEqual(order, ["link", "first", "second"])
    }
}

private final class PassRecord: @unchecked Sendable {  // touched on the loop thread only
    var queuedIn: UInt64 = 0
    var outerRanIn: UInt64 = 0
    var innerRanIn: UInt64 = 0
    var zeroTimerRanIn: UInt64 = 0
    var writtenBy: UInt64 = 0
    var pendingWhenOuterRan = -1
    var drained: [String] = []
}
