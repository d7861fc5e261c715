import Foundation
import XCTest
@testable import GridlineLoop

final class EventLoopTests: XCTestCase {
    func testTimersFireInDeadlineOrderAndCancelledOnesDoNot() {
        var heap = TimerHeap()
        var fired: [Int] = []
        _ = heap.schedule(at: 30) { fired.append(3) }
        _ = heap.schedule(at: 10) { fired.append(1) }
        let cancelled = heap.schedule(at: 20) { fired.append(99) }
        _ = heap.schedule(at: 20) { fired.append(2) }
        _ = heap.schedule(at: 50) { fired.append(5) }
        cancelled.cancel()
        for action in heap.popDue(now: 30) { action() }
        XCTAssertEqual(fired, [1, 2, 3])
        XCTAssertEqual(heap.nextDeadline, 50)
        for action in heap.popDue(now: 100) { action() }
        XCTAssertEqual(fired, [1, 2, 3, 5])
        XCTAssertEqual(heap.count, 0)
    }

    func testTasksHandedInFromOtherThreadsRunOnTheLoopInOrder() throws {
        let loop = try EventLoop()
        let lock = NSLock()
        nonisolated(unsafe) var seen: [Int] = []
        nonisolated(unsafe) var loopThread: Thread?
        let thread = Thread {
            loopThread = Thread.current
            loop.run()
        }
        thread.start()
        let group = DispatchGroup()
        for worker in 0..<4 {
            group.enter()
            DispatchQueue.global().async {
                for i in 0..<250 {
                    loop.execute {
                        lock.lock()
                        seen.append(worker * 1000 + i)
                        XCTAssertTrue(Thread.current === loopThread)
                        lock.unlock()
                    }
                }
                group.leave()
            }
        }
        group.wait()
        let done = DispatchSemaphore(value: 0)
        loop.execute { done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        loop.stop()
        lock.lock()
        XCTAssertEqual(seen.count, 1000)
        for worker in 0..<4 {
            let mine = seen.filter { $0 / 1000 == worker }
            XCTAssertEqual(mine, mine.sorted(), "each thread's tasks keep their order")
        }
        lock.unlock()
    }

    func testScheduledTimerRunsOnTheLoop() throws {
        let loop = try EventLoop()
        let fired = DispatchSemaphore(value: 0)
        let thread = Thread { loop.run() }
        thread.start()
        let start = Date()
        loop.execute { loop.schedule(after: 0.1) { fired.signal() } }
        XCTAssertEqual(fired.wait(timeout: .now() + 5), .success)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.09)
        loop.stop()
    }

    func testOutboxWritesEverythingWithWritev() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        var outbox = Outbox()
        let shared = ByteChunk(Array("shared-".utf8))
        for i in 0..<5 {
            outbox.append(shared)
            outbox.append(ByteChunk(Array("\(i);".utf8)))
        }
        XCTAssertEqual(outbox.pendingBytes, 5 * 9)
        let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: 3)
        defer { iovecs.deallocate() }
        // A scratch of 3 iovecs forces several writev calls for 10 chunks.
        let (result, written) = outbox.flush(fd: fds[0], scratch: iovecs, scratchCount: 3)
        guard case .drained = result else { return XCTFail("not drained") }
        XCTAssertEqual(written, 45)
        XCTAssertTrue(outbox.isEmpty)
        var buffer = [UInt8](repeating: 0, count: 100)
        let n = read(fds[1], &buffer, 100)
        XCTAssertEqual(String(decoding: buffer[0..<n], as: UTF8.self), "shared-0;shared-1;shared-2;shared-3;shared-4;")
    }

    func testWritingToAClosedPeerFailsWithoutSIGPIPE() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        close(fds[1])
        // With the default action, a SIGPIPE would end this test process.
        let previous = signal(SIGPIPE, SIG_DFL)
        defer {
            signal(SIGPIPE, previous)
            close(fds[0])
        }
        var outbox = Outbox()
        outbox.append(ByteChunk(Array("to nobody".utf8)))
        let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: 4)
        defer { iovecs.deallocate() }
        let (result, written) = outbox.flush(fd: fds[0], scratch: iovecs, scratchCount: 4)
        guard case .failed(let code) = result else { return XCTFail("expected a failure") }
        XCTAssertEqual(code, EPIPE)
        XCTAssertEqual(written, 0)
    }
}
