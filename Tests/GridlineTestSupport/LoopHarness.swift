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
        guard done.wait(timeout: .now() + 10) == .success else {
            // A failure, not a skip: a loop that hangs is the bug a test is there to catch.
            XCTFail("the loop did not answer within 10 s")
            throw TestTimeout(what: "the loop's answer")
        }
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

/// A bounded wait in a test ran out (the test has already failed).
public struct TestTimeout: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "timed out waiting for \(what)" }
}
