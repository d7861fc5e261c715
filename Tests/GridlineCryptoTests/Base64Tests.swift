import XCTest
@testable import GridlineCrypto

final class Base64Tests: XCTestCase {
    // RFC 4648 §10 test vectors.
    private let rfc4648Vectors: [(String, String)] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    func testRFC4648Section10VectorsEncode() {
        for (plain, encoded) in rfc4648Vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded)
        }
    }

    func testRFC4648Section10VectorsDecode() {
        for (plain, encoded) in rfc4648Vectors {
            XCTAssertEqual(Base64.decode(encoded), Array(plain.utf8), encoded)
        }
    }

    func testRFC4648Section10VectorsRoundTripAsBase64URLWithoutPadding() {
        for (plain, encoded) in rfc4648Vectors {
            let unpadded = String(encoded.filter { $0 != "=" })
            XCTAssertEqual(Base64.encodeURL(Array(plain.utf8)), unpadded)
            XCTAssertEqual(Base64.decodeURL(unpadded), Array(plain.utf8), unpadded)
        }
    }

    // RFC 4648 §9 illustrations.
    func testRFC4648Section9Examples() {
        XCTAssertEqual(Base64.encode(TestHex.bytes("14fb9c03d97e")), "FPucA9l+")
        XCTAssertEqual(Base64.encode(TestHex.bytes("14fb9c03d9")), "FPucA9k=")
        XCTAssertEqual(Base64.encode(TestHex.bytes("14fb9c03")), "FPucAw==")
        XCTAssertEqual(Base64.decode("FPucA9l+"), TestHex.bytes("14fb9c03d97e"))
    }

    func testBase64URLUsesDashAndUnderscore() {
        XCTAssertEqual(Base64.encode([0xfb, 0xff]), "+/8=")
        XCTAssertEqual(Base64.encodeURL([0xfb, 0xff]), "-_8")
        XCTAssertEqual(Base64.encodeURL([0xff, 0xfe]), "__4")
        XCTAssertEqual(Base64.encodeURL([0xfb, 0xef, 0xbe]), "----")
        XCTAssertEqual(Base64.decodeURL("FPucA9l-"), TestHex.bytes("14fb9c03d97e"))
        XCTAssertEqual(Base64.decodeURL("-_8"), [0xfb, 0xff])
    }

    // RFC 7515 §A.1.1: the encoded JWS Protected Header of the HS256 example.
    func testRFC7515ExampleHeaderEncodesAsPrinted() {
        let header: [UInt8] = [123, 34, 116, 121, 112, 34, 58, 34, 74, 87, 84, 34, 44, 13, 10, 32, 34, 97, 108, 103, 34,
                               58, 34, 72, 83, 50, 53, 54, 34, 125]
        XCTAssertEqual(Base64.encodeURL(header), "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9")
        XCTAssertEqual(Base64.decodeURL("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"), header)
    }

    func testEveryByteValueRoundTripsAtEveryLength() {
        let all = (0...255).map { UInt8($0) }
        for length in 0...all.count {
            let bytes = Array(all[..<length])
            XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
            XCTAssertEqual(Base64.decodeURL(Base64.encodeURL(bytes)), bytes)
        }
    }

    func testCharactersOutsideTheAlphabetAreRejected() {
        for text in ["Zm9v!A==", "Zm 9v", "Zm9v\n", "Zm9v\r\n", " Zm9v", "Zm9-", "Zm9_", "Zm9\u{e9}", "Zm9v\0\0\0\0"] {
            XCTAssertNil(Base64.decode(text), text.debugDescription)
        }
        for text in ["Zm9+", "Zm9/", "Zm9v=", "Zm 9", "Zm9.", "Zm9v\n", "Zg%3D"] {
            XCTAssertNil(Base64.decodeURL(text), text.debugDescription)
        }
    }

    // RFC 4648 §3.2: padding is required in base64; §5 base64url as JWS uses it omits it.
    func testWrongPaddingIsRejected() {
        for text in ["Zg", "Zg=", "Zg===", "Zm8", "Zm8==", "Z===", "====", "=Zg=", "Zm=8", "Zg==Zg==", "Zm9v=", "Zm9v===="] {
            XCTAssertNil(Base64.decode(text), text)
        }
        for text in ["Zg==", "Zm8=", "Zg=", "="] {
            XCTAssertNil(Base64.decodeURL(text), text)
        }
    }

    // RFC 4648 §3.5: canonical encodings set the unused bits to zero.
    func testNonZeroTrailingBitsAreRejected() {
        for text in ["Zh==", "Zm9=", "Zm/=", "Zv=="] {
            XCTAssertNil(Base64.decode(text), text)
        }
        for text in ["Zh", "Zm9", "Zm_", "FPucA9l-Zv"] {
            XCTAssertNil(Base64.decodeURL(text), text)
        }
    }

    func testLengthOneMoreThanMultipleOfFourIsRejected() {
        for text in ["Z", "Zm9vY", "Zm9vYmFyZ"] {
            XCTAssertNil(Base64.decode(text), text)
            XCTAssertNil(Base64.decodeURL(text), text)
        }
    }
}
