import XCTest
import GridlineFormula
@testable import GridlineCollab

final class StatisticsProviderProgressTests: XCTestCase {
    /// `count` cells filling columns A…J row by row, with values that wander but rise.
    private func grid(_ count: Int) -> [AICell] {
        (0..<count).map { index in
            let address = SheetCell(column: Int32(index % 10 + 1), row: Int32(index / 10 + 1))
            let value = Double(index % 97) + Double(index) / 100
            return AICell(address: address, valueJSON: String(value))
        }
    }

    func testProgressRisesInSeveralStepsAndEndsAtOneHundred() throws {
        let request = AIAnalysisRequest(query: "stats", range: nil, cells: grid(10_000))
        let (result, reports) = try AITestSupport.run(StatisticsProvider(), request)
        let percentages = reports.map(\.0)
        XCTAssertGreaterThanOrEqual(reports.count, 6, "start, five chunks of 2000, outliers, done")
        XCTAssertEqual(percentages, percentages.sorted(), "never goes back")
        XCTAssertTrue(percentages.allSatisfy { (0...100).contains($0) })
        XCTAssertEqual(percentages.last, 100)
        XCTAssertEqual(percentages.filter { $0 == 100 }.count, 1, "100 means done, once")
        XCTAssertEqual(Set(percentages).count, reports.count, "each report moves the bar in this run")
        XCTAssertTrue(reports.contains { $0.1 == "Analysed 4000 of 10000 cells" }, "\(reports)")
        XCTAssertEqual(result.number("count"), 10_000)
    }

    func testChunkSizeSetsTheNumberOfSteps() throws {
        let request = AIAnalysisRequest(query: "", range: try CellRange("A1:J100"), cells: grid(1_000))
        let (_, reports) = try AITestSupport.run(StatisticsProvider(chunkSize: 100), request)
        XCTAssertEqual(reports.filter { $0.1.hasPrefix("Analysed ") }.count, 10)
        XCTAssertEqual(reports.first?.1, "Analysing 1000 cells in A1:J100")
    }

    func testCancellingAfterTheFirstChunkThrowsCancelled() {
        let request = AIAnalysisRequest(query: "", range: nil, cells: grid(10_000))
        var reports: [(Int, String)] = []
        XCTAssertThrowsError(
            try StatisticsProvider().analyze(
                request,
                progress: { reports.append(($0, $1)) },
                isCancelled: { reports.contains { $0.1.hasPrefix("Analysed ") } }
            )
        ) { error in
            XCTAssertEqual(error as? AIProviderError, .cancelled)
        }
        XCTAssertEqual(reports.map(\.1).filter { $0.hasPrefix("Analysed ") }, ["Analysed 2000 of 10000 cells"])
        XCTAssertFalse(reports.contains { $0.0 == 100 }, "a cancelled job never reports completion")
    }

    func testCancellingBeforeAnyWorkThrowsCancelled() {
        let request = AIAnalysisRequest(query: "", range: nil, cells: grid(10))
        XCTAssertThrowsError(try StatisticsProvider().analyze(request, progress: { _, _ in }, isCancelled: { true })) {
            XCTAssertEqual($0 as? AIProviderError, .cancelled)
        }
    }

    func testAnEmptySheetStillReportsCompletion() throws {
        let (result, reports) = try AITestSupport.run(
            StatisticsProvider(), AIAnalysisRequest(query: "", range: nil, cells: []))
        XCTAssertEqual(reports.map(\.0), [0, 100])
        XCTAssertEqual(result.result, "No numeric cells in the sheet")
    }

    func testOneHundredThousandCellsFinish() throws {
        var cells = grid(100_000)
        cells.reverse()
        let request = AIAnalysisRequest(query: "", range: nil, cells: cells)
        let (result, reports) = try AITestSupport.run(StatisticsProvider(), request)
        XCTAssertEqual(result.number("count"), 100_000)
        XCTAssertEqual(reports.filter { $0.1.hasPrefix("Analysed ") }.count, 50)
        XCTAssertEqual(reports.last?.0, 100)
        XCTAssertEqual(result[figure: "trend"]?.objectValue?["direction"], "increasing")
    }

    func testTheProviderCanBeSharedAcrossThreads() {
        let provider = StatisticsProvider(chunkSize: 500)
        let request = AIAnalysisRequest(query: "", range: nil, cells: grid(5_000))
        let expected = try? AITestSupport.run(provider, request).result
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            XCTAssertEqual(try? AITestSupport.run(provider, request).result, expected)
        }
    }

    func testTheFailingProviderReportsItsReason() {
        let request = AIAnalysisRequest(query: "", range: nil, cells: grid(3))
        XCTAssertThrowsError(try FailingProvider(reason: "model offline").analyze(
            request, progress: { _, _ in }, isCancelled: { false })
        ) {
            XCTAssertEqual($0 as? AIProviderError, .providerFailed("model offline"))
            XCTAssertEqual(($0 as? AIProviderError)?.description, "the analysis failed: model offline")
        }
    }
}
