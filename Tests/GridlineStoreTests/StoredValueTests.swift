import GridlineFormula
import GridlineJSON
import XCTest

@testable import GridlineStore

/// A computed value's stored JSON text is what `JSONWriter` writes for it.
final class StoredValueTests: XCTestCase {
    func testNumbersAreStoredAsJSONWriterWritesThem() {
        let numbers: [Double] = [0, -0.0, 1, -1, 42, 1_000_000, 0.1, 1.0 / 3, -2.5, 1e21, 1e-7, 123_456.789,
                                 9_007_199_254_740_991, 9_007_199_254_740_992, -9_007_199_254_740_993, .greatestFiniteMagnitude]
        for number in numbers {
            var bytes: [UInt8] = []
            JSONWriter.appendNumber(number, to: &bytes)
            let stored = StoredValue.stored(.number(number))
            XCTAssertEqual(stored.json, String(decoding: bytes, as: UTF8.self), "\(number)")
            XCTAssertNil(stored.error)
        }
        XCTAssertEqual(StoredValue.stored(.number(500_000.5)).json, "500000.5")
        XCTAssertEqual(StoredValue.stored(.number(-7)).json, "-7")
    }

    func testErrorsKeepTheirTextInValueAndError() {
        let stored = StoredValue.stored(.error(.divisionByZero))
        XCTAssertEqual(stored.json, "\"#DIV/0!\"")
        XCTAssertEqual(stored.error, "#DIV/0!")
    }
}
