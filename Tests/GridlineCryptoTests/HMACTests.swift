import XCTest
@testable import GridlineCrypto

/// RFC 4231 §4.2–§4.8: the seven HMAC-SHA-256 test cases, keys and data verbatim.
final class HMACTests: XCTestCase {
    private func mac(_ key: [UInt8], _ data: [UInt8]) -> String {
        TestHex.string(HMAC.sha256(key: key, message: data))
    }

    func testRFC4231Case1ShortKeyHiThere() {
        XCTAssertEqual(mac([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8)),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    func testRFC4231Case2KeyShorterThanOutput() {
        XCTAssertEqual(mac(Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testRFC4231Case3CombinedKeyAndDataLengthOverBlockSize() {
        XCTAssertEqual(mac([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50)),
                       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
    }

    func testRFC4231Case4CountingKey() {
        XCTAssertEqual(mac(TestHex.bytes("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                           [UInt8](repeating: 0xcd, count: 50)),
                       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
    }

    // RFC 4231 §4.6: only the first 128 bits of the output are specified.
    func testRFC4231Case5TruncatedOutputMatchesFirst128Bits() {
        let full = HMAC.sha256(key: [UInt8](repeating: 0x0c, count: 20), message: Array("Test With Truncation".utf8))
        XCTAssertEqual(TestHex.string(Array(full.prefix(16))), "a3b6167473100ee06e0c796c2955552b")
    }

    func testRFC4231Case6KeyLargerThanBlockIsHashedFirst() {
        XCTAssertEqual(mac([UInt8](repeating: 0xaa, count: 131),
                           Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testRFC4231Case7LargeKeyAndLargeData() {
        let data = "This is a test using a larger than block-size key and a larger than block-size data."
            + " The key needs to be hashed before being used by the HMAC algorithm."
        XCTAssertEqual(mac([UInt8](repeating: 0xaa, count: 131), Array(data.utf8)),
                       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    func testPreparedKeyGivesTheSameCodeEveryTime() {
        let key = HMACSHA256(key: Array("Jefe".utf8))
        let first = key.authenticationCode(for: Array("what do ya want for nothing?".utf8))
        let second = key.authenticationCode(for: "what do ya want for nothing?".utf8)
        XCTAssertEqual(first, second)
        XCTAssertEqual(TestHex.string(first), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testKeyOfExactlyOneBlockIsUsedAsIs() {
        let key = [UInt8](repeating: 0x42, count: 64)
        XCTAssertNotEqual(HMAC.sha256(key: key, message: [1, 2, 3]),
                          HMAC.sha256(key: SHA256.hash(key), message: [1, 2, 3]))
    }
}
