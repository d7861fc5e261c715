import Foundation
import XCTest

@testable import GridlineStore

/// The writer's and reader's hand-off: only a push onto an empty queue signals, after the
/// unlock, so no wake-up may be lost between a worker's emptiness check and its sleep.
final class WorkQueueTests: XCTestCase {
    func testEveryItemPushedFromFourThreadsReachesTheWorkerInEachThreadsOrder() {
        let queue = WorkQueue<Int>()
        let perThread = 5_000
        let received = LockedInts()
        let finished = DispatchSemaphore(value: 0)
        let worker = Thread {
            // Small batches, so the worker often empties the queue and sleeps between pushes.
            while let batch = queue.popBatch(max: 3) {
                received.append(contentsOf: batch)
                if received.count == 4 * perThread { break }
            }
            finished.signal()
        }
        worker.start()
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for i in 0..<perThread {
                XCTAssertTrue(queue.push(thread * 1_000_000 + i))
                if i % 500 == 0 { usleep(200) }  // let the worker catch up and go to sleep
            }
        }
        XCTAssertEqual(finished.wait(timeout: .now() + 20), .success, "the worker slept through a push")
        queue.stop()
        let items = received.values
        XCTAssertEqual(items.count, 4 * perThread)
        for thread in 0..<4 {
            let mine = items.filter { $0 / 1_000_000 == thread }.map { $0 % 1_000_000 }
            XCTAssertEqual(mine, Array(0..<perThread))
        }
    }

    func testAPushAfterStopIsRefusedAndTheWorkerDrainsWhatWasQueued() {
        let queue = WorkQueue<Int>()
        XCTAssertTrue(queue.push(1))
        XCTAssertTrue(queue.push(2))
        queue.stop()
        XCTAssertFalse(queue.push(3))
        XCTAssertEqual(queue.popBatch(max: 10).map(Array.init), [1, 2])
        XCTAssertNil(queue.popBatch(max: 10))
    }

    func testAWorkerWaitingWithADeadlineWakesForAPushAndReportsQuietWithoutOne() {
        let queue = WorkQueue<Int>()
        guard case .quiet = queue.popBatch(max: 4, quietAfter: 0.01) else { return XCTFail("expected quiet") }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { _ = queue.push(7) }
        guard case .batch(let batch) = queue.popBatch(max: 4, quietAfter: 10) else { return XCTFail("expected the push") }
        XCTAssertEqual(Array(batch), [7])
    }
}

private final class LockedInts: @unchecked Sendable {  // `storage` only under `lock`
    private let lock = NSLock()
    private var storage: [Int] = []

    func append(contentsOf values: ArraySlice<Int>) {
        lock.lock()
        storage += values
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return storage.count
    }

    var values: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
