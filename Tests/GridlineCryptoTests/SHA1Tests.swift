import XCTest
@testable import GridlineCrypto

final class SHA1Tests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    // FIPS 180 / NIST example vectors.
    func testFIPSVectors() {
        XCTAssertEqual(hex(SHA1.hash(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(hex(SHA1.hash([UInt8]())), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(
            hex(SHA1.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(hex(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
                       "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    // RFC 6455 §1.3 example handshake key.
    func testWebSocketAcceptExample() {
        let input = "dGhlIHNhbXBsZSBub25jZQ==" + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
        XCTAssertEqual(Base64.encode(SHA1.hash(Array(input.utf8))), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}

final class SHA1IncrementalTests: XCTestCase {
    // Lengths around 55/56/64 exercise the padding branch that needs an extra block.
    func testSplittingAtEveryOffsetGivesTheOneShotDigest() {
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let whole = SHA1.hash(message)
            for split in 0...length {
                var sha = SHA1()
                sha.update(message[..<split])
                sha.update(message[split...])
                XCTAssertEqual(sha.finalize(), whole, "length \(length) split \(split)")
            }
        }
    }

    // FIPS 180 example "abc" through a non-contiguous sequence.
    func testNonContiguousSequencesHashLikeArrays() {
        XCTAssertEqual(SHA1.hash("abc".utf8.lazy.map { $0 }), SHA1.hash(Array("abc".utf8)))
        XCTAssertEqual(SHA1.hash("abc".utf8.lazy.map { $0 }).count, 20)
    }
}
