import Foundation
import Glibc
import XCTest
@testable import GridlineLoop

/// Each connection writes at most the loop's budget per pass, and what `onDrained` queues
/// waits for the next pass (STYLE.md item 4, after Redis's writeToClient).
final class WriteBudgetTests: XCTestCase {
    func testOutboxStopsAtTheLimitAndGoesOnWhereItStopped() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        var outbox = Outbox()
        outbox.append(ByteChunk(Array("0123456789".utf8)))
        outbox.append(ByteChunk(Array("abcdefghij".utf8)))
        let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: 4)
        defer { iovecs.deallocate() }

        let (first, firstWritten) = outbox.flush(fd: fds[0], scratch: iovecs, scratchCount: 4, limit: 15)
        guard case .budgetSpent = first else { return XCTFail("expected the budget to stop the flush, got \(first)") }
        XCTAssertEqual(firstWritten, 15)
        XCTAssertEqual(outbox.pendingBytes, 5)
        let (second, secondWritten) = outbox.flush(fd: fds[0], scratch: iovecs, scratchCount: 4, limit: 5)
        guard case .drained = second else { return XCTFail("a limit equal to what is left drains, got \(second)") }
        XCTAssertEqual(secondWritten, 5)
        XCTAssertTrue(outbox.isEmpty)

        var buffer = [UInt8](repeating: 0, count: 20)
        XCTAssertTrue(receiveExactly(fds[1], into: &buffer))
        XCTAssertEqual(String(decoding: buffer, as: UTF8.self), "0123456789abcdefghij")
    }

    func testAStreamRefilledFromOnDrainedTakesOneBudgetPerPassWhileAnotherConnectionIsServed() throws {
        let harness = try LoopbackHarness()
        defer { harness.stop() }
        let budget = harness.loop.writeBudget
        let (streamClient, streamSide) = try harness.connect()
        let (pingClient, pingSide) = try harness.connect()
        // 50 MB in chunks that are not a multiple of the budget, so flushes stop mid-chunk.
        let stream = ChunkStream(chunkSize: 100_000, chunkCount: 500)
        let log = PassLog()
        harness.onLoop {
            let loop = harness.loop
            log.firstPass = loop.passCount
            var writtenBefore = loop.bytesWritten
            loop.passDidEnd = {
                log.mostWrittenInAPass = max(log.mostWrittenInAPass, Int(loop.bytesWritten - writtenBefore))
                writtenBefore = loop.bytesWritten
            }
            pingSide.value.delegate = ClosureDelegate { connection, bytes in
                log.pingReadPass = loop.passCount
                connection.write(bytes)
            }
            pingSide.value.onDrained = {
                log.pongDrainedPass = loop.passCount
                log.chunksQueuedAtPong = stream.queued
            }
            stream.didQueue = { index in
                guard index == 100 else { return }
                // The other peer asks for something while the stream is under way.
                XCTAssertEqual(send(pingClient, "ping", 4, 0), 4)
                log.pingSentPass = loop.passCount
            }
            stream.start(on: streamSide.value)
        }

        XCTAssertEqual(ChunkStream.readAndCheck(fd: streamClient, chunkSize: 100_000, chunkCount: 500), 500,
                       "every chunk arrives, whole and in order")
        var pong = [UInt8](repeating: 0, count: 4)
        XCTAssertTrue(receiveExactly(pingClient, into: &pong))
        XCTAssertEqual(String(decoding: pong, as: UTF8.self), "ping")
        let lastPass = harness.onLoop {
            harness.loop.passDidEnd = nil
            return harness.loop.passCount
        }

        XCTAssertEqual(stream.drainedPasses.count, 500)
        XCTAssertTrue(zip(stream.drainedPasses, stream.drainedPasses.dropFirst()).allSatisfy { $0 < $1 },
                      "a refill from onDrained is never flushed again in the pass that drained")
        XCTAssertGreaterThan(log.mostWrittenInAPass, 0)
        XCTAssertLessThanOrEqual(log.mostWrittenInAPass, budget + 4, "one budget for the stream, the pong besides")
        XCTAssertGreaterThanOrEqual(Int(lastPass - log.firstPass), 50_000_000 / budget)
        XCTAssertGreaterThan(log.pingReadPass, log.pingSentPass)
        XCTAssertEqual(log.pongDrainedPass, log.pingReadPass, "the answer goes out in the pass that read the question")
        XCTAssertLessThan(log.chunksQueuedAtPong, 500, "the other peer was answered while the stream was still going")
    }

    func testOutputLeftByTheBudgetIsWrittenNextPassWithoutWaitingForEvents() throws {
        let harness = try LoopbackHarness()
        defer { harness.stop() }
        let (client, side) = try harness.connect()
        let stream = ChunkStream(chunkSize: 2 * 1024 * 1024, chunkCount: 1)  // one write, 32 budgets
        let log = PassLog()
        harness.onLoop {
            let loop = harness.loop
            var deferredLastPass = false
            loop.passDidEnd = {
                let connection = side.value
                if deferredLastPass {
                    log.deferredPasses += 1
                    if loop.lastWaitTimeout != 0 { log.sleptWithOutputQueued += 1 }
                }
                deferredLastPass = connection.pendingOutputBytes > 0 && !connection.isWatchingWritable
            }
            stream.start(on: side.value)
        }
        XCTAssertEqual(ChunkStream.readAndCheck(fd: client, chunkSize: stream.chunkSize, chunkCount: 1), 1)
        harness.onLoop { harness.loop.passDidEnd = nil }
        // 31 when the reader keeps up; fewer when the socket fills and EPOLLOUT takes over.
        XCTAssertGreaterThanOrEqual(log.deferredPasses, 8, "the budget split the write over passes")
        XCTAssertEqual(log.sleptWithOutputQueued, 0, "epoll_wait uses timeout 0 while budget-deferred output waits")
    }

    func testAPeerThatStopsReadingParksTheStreamWithoutSpinningTheLoop() throws {
        let harness = try LoopbackHarness()
        defer { harness.stop() }
        let (client, side) = try harness.connect(receiveBuffer: 64 * 1024)
        // 8 MB: far more than the shrunken socket buffers hold.
        let stream = ChunkStream(chunkSize: 100_000, chunkCount: 80)
        harness.onLoop {
            var size: Int32 = 64 * 1024
            setsockopt(side.value.fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            stream.start(on: side.value)
        }
        var parked = false
        for _ in 0..<250 where !parked {  // at most 5 s
            parked = harness.onLoop { side.value.isWatchingWritable }
            if !parked { usleep(20_000) }
        }
        XCTAssertTrue(parked, "the loop waits for EPOLLOUT once the socket is full")

        let before = harness.onLoop { harness.loop.passCount }
        usleep(300_000)
        let after = harness.onLoop { harness.loop.passCount }
        // Two of these passes are the look-ups themselves; a spinning loop would run thousands.
        XCTAssertLessThanOrEqual(after - before, 10, "a blocked socket must not keep the loop busy")
        XCTAssertFalse(harness.onLoop { stream.isFinished })

        XCTAssertEqual(ChunkStream.readAndCheck(fd: client, chunkSize: 100_000, chunkCount: 80), 80,
                       "once the peer reads again, EPOLLOUT resumes the stream to its end")
        XCTAssertTrue(zip(stream.drainedPasses, stream.drainedPasses.dropFirst()).allSatisfy { $0 < $1 })
    }

    func testAssertInLoopPassesOnTheLoopThreadAndBeforeTheLoopRuns() throws {
        let loop = try EventLoop()
        loop.assertInLoop()  // no loop thread yet: the thread setting it up owns it
        XCTAssertTrue(loop.isOnLoopThread)
        let harness = try LoopbackHarness()
        defer { harness.stop() }
        XCTAssertTrue(harness.onLoop {
            harness.loop.assertInLoop()
            return harness.loop.isOnLoopThread
        })
        XCTAssertFalse(harness.loop.isOnLoopThread, "the test thread is not the loop's")
    }
}

/// What the fairness test saw, written on the loop thread and read after it answered.
private final class PassLog: @unchecked Sendable {
    var firstPass: UInt64 = 0
    var mostWrittenInAPass = 0
    var pingSentPass: UInt64 = 0
    var pingReadPass: UInt64 = 0
    var pongDrainedPass: UInt64 = 0
    var chunksQueuedAtPong = 0
    var deferredPasses = 0
    var sleptWithOutputQueued = 0
}

/// A delegate that hands each read to a closure and consumes everything.
private final class ClosureDelegate: ConnectionDelegate {
    let onRead: (Connection, [UInt8]) -> Void

    init(onRead: @escaping (Connection, [UInt8]) -> Void) { self.onRead = onRead }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int {
        onRead(connection, Array(bytes))
        return bytes.count
    }

    func connectionDidClose(_ connection: Connection) {}
}
