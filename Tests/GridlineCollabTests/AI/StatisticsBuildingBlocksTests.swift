import XCTest
@testable import GridlineCollab

final class StatisticsBuildingBlocksTests: XCTestCase {
    func testOnlyJSONNumbersAreNumeric() {
        XCTAssertEqual(StatisticsProvider.numericValue(ofJSON: "12.5"), 12.5)
        XCTAssertEqual(StatisticsProvider.numericValue(ofJSON: "-3e2"), -300)
        XCTAssertEqual(StatisticsProvider.numericValue(ofJSON: " 0 "), 0)
        for text in ["\"12\"", "true", "false", "null", "[1]", "{\"a\":1}", "", "12abc", "-", "01", "NaN", "1e999"] {
            XCTAssertNil(StatisticsProvider.numericValue(ofJSON: text), text)
        }
    }

    func testQuartilesInterpolateBetweenOrderStatistics() {
        // Type 7 on 1…8: Q1 at position 1.75 → 2.75, Q3 at position 5.25 → 6.25.
        let fences = TukeyFences(sortedValues: (1...8).map(Double.init))
        XCTAssertEqual(fences?.firstQuartile, 2.75)
        XCTAssertEqual(fences?.thirdQuartile, 6.25)
        XCTAssertEqual(fences?.lower, 2.75 - 1.5 * 3.5)
        XCTAssertEqual(fences?.upper, 6.25 + 1.5 * 3.5)
    }

    func testFewerThanFourValuesHaveNoFences() {
        XCTAssertNil(TukeyFences(sortedValues: [1, 2, 100]))
        XCTAssertNotNil(TukeyFences(sortedValues: [1, 2, 3, 100]))
    }

    func testRunningStatisticsRemembersWhereTheFirstExtremesWere() {
        var statistics = RunningStatistics()
        for value in [4.0, 1, 9, 1, 9] { statistics.add(value) }
        XCTAssertEqual(statistics.minimumPosition, 1)
        XCTAssertEqual(statistics.maximumPosition, 2)
        XCTAssertNil(RunningStatistics().mean)
        XCTAssertNil(RunningStatistics().slope)
    }

    func testCompensatedSumKeepsSmallTermsNextToLargeOnes() {
        var statistics = RunningStatistics()
        statistics.add(1e16)
        for _ in 0..<10 { statistics.add(1) }
        statistics.add(-1e16)
        XCTAssertEqual(statistics.total, 10, "naive summation returns 0 here")
    }

    func testSummaryNumbersReadNaturally() {
        XCTAssertEqual(SummaryNumber.format(340), "340")
        XCTAssertEqual(SummaryNumber.format(28.3333333), "28.33")
        XCTAssertEqual(SummaryNumber.format(-2.104), "-2.1")
        XCTAssertEqual(SummaryNumber.format(0.1 + 0.2), "0.3")
        XCTAssertEqual(SummaryNumber.format(0.0012345), "0.00123")
        XCTAssertEqual(SummaryNumber.format(1.2345e20), "1.23e+20")
        XCTAssertEqual(SummaryNumber.format(0), "0")
        XCTAssertEqual(SummaryNumber.format(nil), "n/a")
        XCTAssertEqual(SummaryNumber.format(.infinity), "n/a")
        XCTAssertEqual(SummaryNumber.format(.leastNonzeroMagnitude), "5e-324")
    }
}
