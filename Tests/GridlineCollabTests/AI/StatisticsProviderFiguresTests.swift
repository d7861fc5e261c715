import GridlineJSON
import XCTest
@testable import GridlineCollab

final class StatisticsProviderFiguresTests: XCTestCase {
    private let provider = StatisticsProvider()

    private func analyse(_ cells: [AICell], range: String? = nil) throws -> AIAnalysisResult {
        let request = AIAnalysisRequest(query: "summarise", range: try CellRange.tableRange(range), cells: cells)
        return try AITestSupport.run(provider, request).result
    }

    func testOneToTenGivesTextbookFigures() throws {
        let result = try analyse(AITestSupport.column((1...10).map(Double.init)), range: "A1:A10")
        XCTAssertEqual(result.number("count"), 10)
        XCTAssertEqual(result.number("non_numeric"), 0)
        XCTAssertEqual(result.number("sum"), 55)
        XCTAssertEqual(result.number("mean"), 5.5)
        XCTAssertEqual(result.number("min"), 1)
        XCTAssertEqual(result.number("max"), 10)
        XCTAssertEqual(result.number("std_dev")!, 8.25.squareRoot(), accuracy: 1e-12, "population: Σ(x−5.5)²/10 = 8.25")
        let trend = try XCTUnwrap(result[figure: "trend"]?.objectValue)
        XCTAssertEqual(trend["slope"]?.doubleValue ?? .nan, 1, accuracy: 1e-12)
        XCTAssertEqual(trend["intercept"]?.doubleValue ?? .nan, 1, accuracy: 1e-12)
        XCTAssertEqual(trend["direction"], "increasing")
        XCTAssertEqual(result[figure: "outliers"], [])
        XCTAssertEqual(result[figure: "range"], "A1:A10")
        XCTAssertEqual(
            result.result,
            "10 numeric cells in A1:A10: sum 55, mean 5.5, min 1 (A1), max 10 (A10), std dev 2.87; "
                + "trend increasing (+1 per cell); no outliers."
        )
    }

    func testFiguresMatchAnIndependentTwoPassComputation() throws {
        let values: [Double] = [3.5, -2, 17.25, 8, 8, 0.125, 11, -4.5, 6, 9.75, 2, 14]
        let result = try analyse(AITestSupport.column(values))
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
        let meanX = (n - 1) / 2
        let sxy = values.enumerated().map { (Double($0.offset) - meanX) * ($0.element - mean) }.reduce(0, +)
        let sxx = values.indices.map { (Double($0) - meanX) * (Double($0) - meanX) }.reduce(0, +)
        let slope = sxy / sxx

        XCTAssertEqual(result.number("sum")!, values.reduce(0, +), accuracy: 1e-9)
        XCTAssertEqual(result.number("mean")!, mean, accuracy: 1e-12)
        XCTAssertEqual(result.number("std_dev")!, variance.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(result.number("min"), -4.5)
        XCTAssertEqual(result.number("max"), 17.25)
        let trend = try XCTUnwrap(result[figure: "trend"]?.objectValue)
        XCTAssertEqual(trend["slope"]?.doubleValue ?? .nan, slope, accuracy: 1e-12)
        XCTAssertEqual(trend["intercept"]?.doubleValue ?? .nan, mean - slope * meanX, accuracy: 1e-12)
        XCTAssertEqual(result[figure: "range"], "all")
    }

    func testOneClearOutlierIsFoundAndNamed() throws {
        // Sorted: 10 10 11 11 11 12 12 12 13 95 → Q1 = 11, Q3 = 12, fences 9.5 and 13.5.
        let values: [Double] = [10, 12, 11, 13, 12, 11, 10, 12, 95, 11]
        let result = try analyse(AITestSupport.column(values, letter: "B"), range: "B1:B10")
        XCTAssertEqual(result[figure: "outliers"], [["cell_id": "B9", "value": 95]])
        XCTAssertTrue(result.result.hasSuffix("; 1 outlier: B9 = 95."), result.result)
        XCTAssertTrue(result.result.contains("max 95 (B9)"), result.result)
    }

    func testOutliersOnBothSidesAreListedMostExtremeFirst() throws {
        let values: [Double] = [50, 51, 49, 50, -30, 52, 48, 50, 400, 51, 49]
        let result = try analyse(AITestSupport.column(values))
        XCTAssertEqual(result[figure: "outliers"], [["cell_id": "A9", "value": 400], ["cell_id": "A5", "value": -30]])
    }

    func testTheOutlierListStopsAtTwentyButTheTextCountsThemAll() throws {
        let values = Array(repeating: 5.0, count: 100) + (1...25).map { 1_000 + Double($0) }
        let result = try analyse(AITestSupport.column(values))
        let listed = try XCTUnwrap(result[figure: "outliers"]?.arrayValue)
        XCTAssertEqual(listed.count, 20)
        XCTAssertEqual(listed.first?.objectValue?["cell_id"], "A125", "the largest comes first")
        XCTAssertTrue(result.result.contains("25 outliers: A125 = 1025, A124 = 1024, A123 = 1023 and 22 more."), result.result)
    }

    func testTextBooleansAndNullsAreIgnoredButCounted() throws {
        let cells = AITestSupport.cells([
            ("A1", "4"), ("B1", "\"12\""), ("A2", "true"), ("B2", "8"), ("A3", "null"),
            ("B3", "\"abc\""), ("C1", "[1]"), ("C2", "not json"), ("C3", " 6 "),
        ])
        let result = try analyse(cells, range: "A1:C3")
        XCTAssertEqual(result.number("count"), 3, "4, 8 and 6; a numeric string stays text")
        XCTAssertEqual(result.number("non_numeric"), 6)
        XCTAssertEqual(result.number("sum"), 18)
        XCTAssertTrue(result.result.hasPrefix("3 numeric cells in A1:C3 (6 non-numeric cells ignored): "), result.result)
    }

    func testCellsOutsideTheRangeAreLeftOut() throws {
        let cells = AITestSupport.cells([("A1", "1"), ("B2", "2"), ("C3", "100"), ("D4", "\"x\"")])
        let result = try analyse(cells, range: "b2:a1")
        XCTAssertEqual(result.number("count"), 2)
        XCTAssertEqual(result.number("non_numeric"), 0)
        XCTAssertEqual(result.number("sum"), 3)
        XCTAssertEqual(result[figure: "range"], "A1:B2")
    }

    func testCellsAreTakenInReadingOrderWhateverOrderTheyArrive() throws {
        // Row by row: A1=1, B1=2, A2=3, B2=4 — a perfect +1 per cell.
        let cells = AITestSupport.cells([("B2", "4"), ("A2", "3"), ("B1", "2"), ("A1", "1")])
        let trend = try XCTUnwrap(try analyse(cells)[figure: "trend"]?.objectValue)
        XCTAssertEqual(trend["slope"]?.doubleValue ?? .nan, 1, accuracy: 1e-12)
        XCTAssertEqual(trend["intercept"]?.doubleValue ?? .nan, 1, accuracy: 1e-12)
    }

    func testFallingAndLevelSeriesAreDescribed() throws {
        let falling = try analyse(AITestSupport.column([9, 7, 8, 5, 3, 4, 1]))
        XCTAssertEqual(falling[figure: "trend"]?.objectValue?["direction"], "decreasing")
        XCTAssertTrue(falling.result.contains("trend decreasing (-"), falling.result)

        let level = try analyse(AITestSupport.column([7, 7, 7, 7]))
        XCTAssertEqual(level[figure: "trend"]?.objectValue?["direction"], "flat")
        XCTAssertEqual(level.number("std_dev"), 0)

        // r ≈ 0.002: the fitted line explains almost nothing.
        let noise = try analyse(AITestSupport.column([5, 1, 9, 2, 8, 3, 7, 4, 6, 2.8]))
        XCTAssertEqual(noise[figure: "trend"]?.objectValue?["direction"], "flat")
    }

    func testAnEmptyRangeSaysSoAndLeavesFiguresNull() throws {
        let result = try analyse(AITestSupport.cells([("Z9", "5")]), range: "A1:B20")
        XCTAssertEqual(result.result, "No numeric cells in A1:B20")
        XCTAssertEqual(
            result.figures,
            [
                "count": 0, "non_numeric": 0, "sum": nil, "mean": nil, "min": nil, "max": nil, "std_dev": nil,
                "trend": nil, "outliers": nil, "range": "A1:B20",
            ]
        )
    }

    func testARangeOfOnlyTextMentionsWhatWasIgnored() throws {
        let result = try analyse(AITestSupport.cells([("A1", "\"a\""), ("A2", "\"b\"")]))
        XCTAssertEqual(result.result, "No numeric cells in the sheet (2 non-numeric cells ignored)")
        XCTAssertEqual(result.number("non_numeric"), 2)
    }

    func testASingleNumberHasNoTrend() throws {
        let result = try analyse(AITestSupport.cells([("C3", "42")]), range: "C3")
        XCTAssertEqual(result.number("count"), 1)
        XCTAssertEqual(result.number("std_dev"), 0)
        XCTAssertEqual(result[figure: "trend"], .null)
        XCTAssertEqual(
            result.result,
            "1 numeric cell in C3: sum 42, mean 42, min 42 (C3), max 42 (C3), std dev 0; no trend (fewer than 2 values); no outliers."
        )
    }

    func testLargeCloseValuesKeepTheirSpread() throws {
        // Σx² − (Σx)²/n would cancel to garbage here; Welford keeps the exact answer.
        let values = (0..<1_000).map { 1e9 + Double($0 % 2) }
        let result = try analyse(AITestSupport.column(values))
        XCTAssertEqual(result.number("std_dev")!, 0.5, accuracy: 1e-9)
        XCTAssertEqual(result.number("mean")!, 1e9 + 0.5, accuracy: 1e-6)
    }

    func testOverflowingFiguresBecomeNullNotInfinity() throws {
        let result = try analyse(AITestSupport.column([1e308, 1e308, 1e308, -1e308]))
        XCTAssertEqual(result.number("max"), 1e308)
        XCTAssertEqual(result[figure: "sum"], .null)
        for key in ["sum", "mean", "std_dev"] {
            if let value = result.number(key) { XCTAssertTrue(value.isFinite, key) }
        }
        XCTAssertFalse(result.figures.serializedString.lowercased().contains("inf"))
        XCTAssertFalse(result.figures.serializedString.lowercased().contains("nan"))
    }
}
