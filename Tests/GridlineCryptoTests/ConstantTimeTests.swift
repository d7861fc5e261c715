import XCTest
@testable import GridlineCrypto

final class ConstantTimeTests: XCTestCase {
    func testEqualBytesCompareEqual() {
        XCTAssertTrue(ConstantTime.equals([], []))
        XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
    }

    func testAnySingleDifferingBitCompareUnequal() {
        let base = [UInt8](repeating: 0x5a, count: 32)
        for index in base.indices {
            for bit in 0..<8 {
                var other = base
                other[index] ^= 1 << UInt8(bit)
                XCTAssertFalse(ConstantTime.equals(base, other))
            }
        }
    }

    func testDifferentLengthsCompareUnequal() {
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2]))
        XCTAssertFalse(ConstantTime.equals([], [0]))
    }
}
