import GridlineFormula
import XCTest

@testable import GridlineStore

/// A one-column range's summary after edits resumes from the fold's checkpoint above the
/// edited cell; it must equal a fold of the whole range from the top, to the bit.
final class RangeSummaryCacheTests: XCTestCase {
    /// Values whose compensated sum depends on the order they are added in, errors, text,
    /// booleans and gaps.
    private func value(_ n: Int) -> FormulaValue {
        switch n % 9 {
        case 0: return .number(1e16)
        case 1: return .number(-1e16)
        case 2: return .number(0.1 * Double(n))
        case 3: return .boolean(n % 2 == 0)
        case 4: return .text("t")
        case 5: return n % 4 == 1 ? .error(.notAvailable) : .empty
        case 6: return .error(.divisionByZero)
        default: return .number(-Double(n) / 3)
        }
    }

    func testAfterEveryEditTheCachedSummaryEqualsAFoldFromTheTop() {
        let calculation = SheetCalculation(sheetId: "s", seq: 0)
        for row in 1...30_000 where row % 13 != 0 {
            calculation.setValue(row % 97 == 0 ? value(row) : .number(Double(row) * 0.37), at: SheetCell(column: 1, row: Int32(row)))
        }
        let ranges = [
            SheetRect(top: 1, left: 1, bottom: 30_000, right: 1),
            SheetRect(top: 17, left: 1, bottom: 25_000, right: 1),
            SheetRect(top: 1, left: 1, bottom: SheetLimits.maxRow, right: 1),  // a whole column
            SheetRect(top: 1, left: 1, bottom: 30_000, right: 2),  // two columns: no checkpoints
        ]
        for rect in ranges { _ = calculation.rangeSummary(in: rect) }
        var seed: UInt64 = 42
        for step in 0..<300 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let row = Int32(truncatingIfNeeded: (seed >> 33) % 31_000) + 1
            calculation.setValue(value(step), at: SheetCell(column: 1, row: row))
            for rect in ranges {
                XCTAssertEqual(calculation.rangeSummary(in: rect), calculation.values.summary(in: rect), "step \(step), row \(row), \(rect)")
            }
        }
    }
}
