import XCTest
@testable import GridlineBench

/// The load tool's pure parts: the numbers it reports are only as good as these.
final class BenchToolTests: XCTestCase {
    func testHistogramQuantilesAreWithinHalfAPercentOfTheTrueValues() {
        var histogram = LatencyHistogram()
        let samples = (1...100_000).map { UInt64($0) * 37 }
        for value in samples.shuffled() { histogram.record(value) }
        XCTAssertEqual(histogram.count, 100_000)
        XCTAssertEqual(histogram.min, 37)
        XCTAssertEqual(histogram.max, 3_700_000)
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = Double(samples[Int((q * 100_000).rounded(.up)) - 1])
            XCTAssertEqual(Double(histogram.quantile(q)), exact, accuracy: exact * 0.005, "q=\(q)")
        }
        XCTAssertEqual(histogram.quantile(1), 3_700_000)
        XCTAssertEqual(histogram.mean, samples.reduce(0.0) { $0 + Double($1) } / 100_000, accuracy: 1e-6)
        for value: UInt64 in [0, 1, 255, 256, 257, 1_000_000, UInt64.max / 2] {
            let index = LatencyHistogram.bucketIndex(value)
            XCTAssertLessThanOrEqual(LatencyHistogram.bucketIndex(value + 1), index + 1, "buckets are monotonic at \(value)")
        }
    }

    func testScannerFindsFieldsWithoutAFullParse() {
        let text = #"{"type":"cursor_moved","room":"demo","cursor":{"x":1,"cell":"A\"1"},"meta":{"sid":7,"seq":42,"ts":123456789}}"#
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            let type = JSONFieldScanner.messageType(buffer)
            XCTAssertTrue(type.map { JSONFieldScanner.equals(buffer, $0, "cursor_moved") } ?? false)
            let whole = 0..<buffer.count
            let meta = JSONFieldScanner.member("meta", in: buffer, object: whole)
            XCTAssertNotNil(meta)
            let seq = meta.flatMap { JSONFieldScanner.member("seq", in: buffer, object: $0) }
            XCTAssertEqual(seq.flatMap { JSONFieldScanner.unsignedInteger(buffer, $0) }, 42)
            let room = JSONFieldScanner.member("room", in: buffer, object: whole)
            XCTAssertEqual(room.flatMap { JSONFieldScanner.string(buffer, $0) }, "demo")
            XCTAssertNil(JSONFieldScanner.member("missing", in: buffer, object: whole))
        }
        Array(#"{"type":"x","broken"#.utf8).withUnsafeBufferPointer { buffer in
            XCTAssertNil(JSONFieldScanner.member("broken", in: buffer, object: 0..<buffer.count))
        }
    }

    func testOptionsParseFlagsAndRefuseBadOnes() throws {
        let options = try BenchOptions.parse(["--scenario", "cells", "--port", "9310", "--clients", "20", "--inflight", "8",
                                              "--duration=3"])
        XCTAssertEqual(options.scenario, .cells)
        XCTAssertEqual(options.port, 9310)
        XCTAssertEqual(options.clients, 20)
        XCTAssertEqual(options.inflight, 8)
        XCTAssertEqual(options.duration, 3)
        for bad in [["--scenario", "nope"], ["--port", "70000"], ["--clients", "0"], ["--frobnicate"], ["--port"]] {
            XCTAssertThrowsError(try BenchOptions.parse(bad), "\(bad)")
        }
    }
}
