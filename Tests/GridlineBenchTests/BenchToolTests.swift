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

    func testFormulasOptionsParseWithTheirDefaults() throws {
        let defaults = try BenchOptions.parse(["--scenario", "formulas"])
        XCTAssertEqual(defaults.clientCount, 1)
        XCTAssertEqual(defaults.rows, 100_000)
        XCTAssertEqual(defaults.rangeFormulas, 1000)
        XCTAssertFalse(defaults.spawnServer)
        let options = try BenchOptions.parse(["--scenario=formulas", "--spawn-server", "--data-dir", "/tmp/x", "--rows", "500",
                                              "--range-formulas", "10", "--edits", "2", "--range-edits", "4"])
        XCTAssertTrue(options.spawnServer)
        XCTAssertEqual(options.dataDir, "/tmp/x")
        XCTAssertEqual([options.rows, options.rangeFormulas, options.edits, options.rangeEdits], [500, 10, 2, 4])
        for bad in [["--rows", "1"], ["--range-formulas", "1001"], ["--edits", "0"], ["--spawn-server=yes"]] {
            XCTAssertThrowsError(try BenchOptions.parse(["--scenario", "formulas"] + bad), "\(bad)")
        }
    }

    func testScannerWalksArrayElements() {
        let text = #"{"cells":[{"cell_id":"A2","value":2},{"cell_id":"A3","value":"x]"}, 7 ,[1,2]],"recalculated":true}"#
        Array(text.utf8).withUnsafeBufferPointer { buffer in
            let cells = JSONFieldScanner.member("cells", in: buffer, object: 0..<buffer.count)!
            var elements: [String] = []
            XCTAssertTrue(JSONFieldScanner.forEachElement(in: buffer, array: cells) { range in
                elements.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self))
                return true
            })
            XCTAssertEqual(elements, [#"{"cell_id":"A2","value":2}"#, #"{"cell_id":"A3","value":"x]"}"#, "7", "[1,2]"])
        }
        Array("[]".utf8).withUnsafeBufferPointer { buffer in
            var count = 0
            XCTAssertTrue(JSONFieldScanner.forEachElement(in: buffer, array: 0..<2) { _ in count += 1; return true })
            XCTAssertEqual(count, 0)
        }
        Array("[1,".utf8).withUnsafeBufferPointer { buffer in
            XCTAssertFalse(JSONFieldScanner.forEachElement(in: buffer, array: 0..<3) { _ in true })
        }
    }

    func testCommitTotalsComeFromThePrometheusHistogram() {
        let text = """
            # TYPE gridline_db_commit_seconds histogram
            gridline_db_commit_seconds_bucket{le="0.001"} 3
            gridline_db_commit_seconds_sum 0.0425
            gridline_db_commit_seconds_count 17
            gridline_db_commits_total 17
            """
        XCTAssertEqual(CommitTotals.parse(text), CommitTotals(seconds: 0.0425, count: 17))
        XCTAssertNil(CommitTotals.parse("gridline_db_commits_total 17"))
    }

    func testTheServersWriteTimeIsTheDifferenceOverExactlyOneWrite() throws {
        let before = try XCTUnwrap(CommitTotals.parse("""
            gridline_db_commit_seconds_sum 0.5
            gridline_db_commit_seconds_count 10
            gridline_cell_write_seconds_sum 0.25
            gridline_cell_write_seconds_count 4
            """))
        XCTAssertEqual(before.writeCount, 4)
        let after = CommitTotals(seconds: 0.6, count: 11, writeSeconds: 0.2535, writeCount: 5)
        XCTAssertEqual(try XCTUnwrap(CommitTotals.writeSeconds(from: before, to: after)), 0.0035, accuracy: 1e-12)
        let twoWrites = CommitTotals(seconds: 0.6, count: 12, writeSeconds: 0.26, writeCount: 6)
        XCTAssertNil(CommitTotals.writeSeconds(from: before, to: twoWrites))
        XCTAssertNil(CommitTotals.writeSeconds(from: CommitTotals(seconds: 0, count: 0), to: after), "an older server")
    }

    func testWorkloadBatchesHoldAtMostAThousandCells() throws {
        let chain = FormulaWorkload.chainBatches(sheet: "s", rows: 2500, tag: "t")
        XCTAssertEqual(chain.count, 3)
        let first = try XCTUnwrap(chain[0].objectValue?["updates"]?.arrayValue)
        XCTAssertEqual(first.count, 1000)
        XCTAssertEqual(first[0].objectValue?["cell_id"]?.stringValue, "A1")
        XCTAssertNil(first[0].objectValue?["formula"])
        XCTAssertEqual(first[1].objectValue?["formula"]?.stringValue, "=A1+1")
        let last = try XCTUnwrap(chain[2].objectValue?["updates"]?.arrayValue)
        XCTAssertEqual(last.count, 500)
        XCTAssertEqual(last.last?.objectValue?["formula"]?.stringValue, "=A2499+1")
        XCTAssertEqual(chain.map { $0.objectValue?["request_id"]?.stringValue }, ["t-0", "t-1", "t-2"])
        let ranges = FormulaWorkload.rangeFormulaBatches(sheet: "s", rows: 100, count: 4, tag: "r")
        let formulas = ranges.flatMap { $0.objectValue?["updates"]?.arrayValue ?? [] }.map { $0.objectValue?["formula"]?.stringValue }
        XCTAssertEqual(formulas, ["=SUM(A1:A100)", "=SUM(A1:A100)", "=AVERAGE(A1:A100)", "=MAX(A1:A100)", "=SUM(A1:A100)"])
    }
}
