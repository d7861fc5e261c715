import Foundation
import GridlineLoop
import XCTest

/// Runs an `EventLoop` on its own thread for a test and lets the test act on it synchronously.
public final class LoopHarness: @unchecked Sendable {  // the loop is Sendable; `run` hands work to its thread
    public let loop: EventLoop

    public init() throws {
        loop = try EventLoop()
        let loop = self.loop
        Thread { loop.run() }.start()
    }

    public func stop() { loop.stop() }

    /// Runs `body` on the loop thread and returns its result.
    @discardableResult
    public func run<T>(_ body: @escaping () throws -> T) throws -> T {
        nonisolated(unsafe) var result: Result<T, Error>?
        nonisolated(unsafe) let work = body
        let done = DispatchSemaphore(value: 0)
        loop.execute {
            result = Result { try work() }
            done.signal()
        }
        guard done.wait(timeout: .now() + 10) == .success else { throw XCTSkip("loop did not answer") }
        return try result!.get()
    }

    /// Polls `condition` on the loop every 10 ms; fails the test after `timeout` seconds.
    public func wait(_ what: String, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line,
              until condition: @escaping () -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? run(condition)) == true { return }
            usleep(10_000)
        }
        XCTFail("timed out waiting for: \(what)", file: file, line: line)
    }
}
