import XCTest
@testable import GridlineServer

/// Every server message carries this timestamp; values from Python's datetime in UTC.
final class TimestampTests: XCTestCase {
    func testISO8601MillisecondsInUTC() {
        XCTAssertEqual(Timestamp.iso8601(milliseconds: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamp.iso8601(milliseconds: 1_795_720_938_123), "2026-11-26T19:22:18.123Z")
        XCTAssertEqual(Timestamp.iso8601(milliseconds: 951_782_400_999), "2000-02-29T00:00:00.999Z")
        XCTAssertEqual(Timestamp.iso8601Now().count, 24)
    }
}
