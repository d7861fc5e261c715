import XCTest
@testable import GridlineWebSocket

/// UTF-8 well-formedness (RFC 3629 §4, Unicode Table 3-7), whole and in pieces.
final class UTF8ValidatorTests: XCTestCase {
    private func isValidWholeAndSplit(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let whole = UTF8Validator.isValid(bytes)
        for cut in 0...bytes.count {
            var validator = UTF8Validator()
            let ok = validator.validate(bytes[..<cut]) && validator.validate(bytes[cut...]) && validator.finish()
            XCTAssertEqual(ok, whole, "cut \(cut)", file: file, line: line)
        }
        var bytewise = UTF8Validator()
        let ok = bytes.allSatisfy { bytewise.validate([$0]) } && bytewise.finish()
        XCTAssertEqual(ok, whole, "byte at a time", file: file, line: line)
        return whole
    }

    func testAsciiAndEveryWidthOfCharacterAreValid() {
        XCTAssertTrue(isValidWholeAndSplit([]))
        XCTAssertTrue(isValidWholeAndSplit(Array("plain ascii that is longer than eight bytes".utf8)))
        XCTAssertTrue(isValidWholeAndSplit(Array("ç ü ı ş ğ €  😀 𝄞".utf8)))
        XCTAssertTrue(isValidWholeAndSplit(Array("κόσμε".utf8)))
    }

    func testBoundaryCodePointsAreValid() {
        let boundaries: [[UInt8]] = [
            [0x00], [0x7F],                      // U+0000, U+007F
            [0xC2, 0x80], [0xDF, 0xBF],          // U+0080, U+07FF
            [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF],  // U+0800, U+D7FF, U+E000, U+FFFF
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],  // U+10000, U+10FFFF
        ]
        for bytes in boundaries { XCTAssertTrue(isValidWholeAndSplit(bytes), "\(bytes)") }
    }

    func testOverlongFormsAreInvalid() {
        for bytes: [UInt8] in [[0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0xAF], [0xF0, 0x8F, 0xBF, 0xBF]] {
            XCTAssertFalse(isValidWholeAndSplit(bytes), "\(bytes)")
        }
    }

    func testSurrogatesAreInvalid() {
        for bytes: [UInt8] in [[0xED, 0xA0, 0x80], [0xED, 0xAF, 0xBF], [0xED, 0xB0, 0x80], [0xED, 0xBF, 0xBF]] {
            XCTAssertFalse(isValidWholeAndSplit(bytes), "\(bytes)")
        }
    }

    func testCodePointsAboveTheUnicodeRangeAreInvalid() {
        for bytes: [UInt8] in [[0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF7, 0xBF, 0xBF, 0xBF], [0xF8], [0xFE], [0xFF]] {
            XCTAssertFalse(isValidWholeAndSplit(bytes), "\(bytes)")
        }
    }

    func testStrayContinuationBytesAreInvalid() {
        for bytes: [UInt8] in [[0x80], [0xBF], [0x61, 0x80], [0xC3, 0xA9, 0xA9]] {
            XCTAssertFalse(isValidWholeAndSplit(bytes), "\(bytes)")
        }
    }

    func testMissingContinuationBytesAreInvalid() {
        for bytes: [UInt8] in [[0xC3, 0x61], [0xE2, 0x82, 0x61], [0xF0, 0x9F, 0x98, 0x61]] {
            XCTAssertFalse(isValidWholeAndSplit(bytes), "\(bytes)")
        }
    }

    func testTruncatedSequencesAreInvalidOnlyAtFinish() {
        for bytes: [UInt8] in [[0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98]] {
            var validator = UTF8Validator()
            XCTAssertTrue(validator.validate(bytes))
            XCTAssertFalse(validator.isComplete)
            XCTAssertFalse(validator.finish())
        }
    }

    func testInvalidityIsSticky() {
        var validator = UTF8Validator()
        XCTAssertFalse(validator.validate([0xFF]))
        XCTAssertFalse(validator.validate(Array("fine".utf8)))
        XCTAssertFalse(validator.isValidSoFar)
    }

    func testBadByteAfterALongAsciiRunIsFound() {
        for position in 0..<40 {
            var bytes = [UInt8](repeating: 0x41, count: 40)
            bytes[position] = 0x80
            XCTAssertFalse(UTF8Validator.isValid(bytes), "position \(position)")
        }
    }

    func testAgreesWithTheStandardLibraryOnAllTwoByteInputsAndSampledThreeByteInputs() {
        func standard(_ bytes: [UInt8]) -> Bool {
            var iterator = bytes.makeIterator()
            var decoder = UTF8()
            while true {
                switch decoder.decode(&iterator) {
                case .scalarValue: continue
                case .emptyInput: return true
                case .error: return false
                }
            }
        }
        for a in 0...255 {
            for b in 0...255 {
                let bytes = [UInt8(a), UInt8(b)]
                XCTAssertEqual(UTF8Validator.isValid(bytes), standard(bytes), "\(bytes)")
                let three = [UInt8(a), UInt8(b), UInt8((a &* 7 &+ b) & 0xFF)]
                XCTAssertEqual(UTF8Validator.isValid(three), standard(three), "\(three)")
                let four = [0xF0 | UInt8(a & 7), UInt8(b), 0x80 | UInt8(a >> 2), 0xBF]
                XCTAssertEqual(UTF8Validator.isValid(four), standard(four), "\(four)")
            }
        }
    }
}
