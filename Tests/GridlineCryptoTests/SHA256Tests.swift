import XCTest
@testable import GridlineCrypto

final class SHA256Tests: XCTestCase {
    private func digest(_ text: String) -> String { TestHex.string(SHA256.hash(Array(text.utf8))) }

    // FIPS 180-4 examples (NIST CSRC "Cryptographic Standards and Guidelines: Examples with
    // Intermediate Values", SHA256.pdf and SHA2_Additional.pdf).
    func testOneBlockMessageABCMatchesFIPSExample() {
        XCTAssertEqual(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    // Where the processor has SHA extensions `SHA256()` compresses with them, so every test
    // here checks that path; these hold the portable Swift compression to the same answers.
    func testThePortableCompressionMatchesTheFIPSExamples() {
        func portable(_ message: [UInt8]) -> String {
            var sha = SHA256(portable: true)
            sha.update(message)
            return TestHex.string(sha.finalize())
        }
        XCTAssertEqual(portable(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(portable(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(portable([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testThePortableAndTheDefaultCompressionAgreeOnEveryLengthToFiveBlocksAndBeyond() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func nextByte() -> UInt8 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        for length in Array(0...320) + [1_000, 4_096, 65_537] {
            let message = (0..<length).map { _ in nextByte() }
            var portable = SHA256(portable: true)
            portable.update(message)
            XCTAssertEqual(portable.finalize(), SHA256.hash(message), "length \(length)")
        }
    }

    func testEmptyMessageMatchesKnownDigest() {
        XCTAssertEqual(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testTwoBlock448BitMessageMatchesFIPSExample() {
        XCTAssertEqual(
            digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func test896BitMessageMatchesFIPSExample() {
        XCTAssertEqual(
            digest("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testOneMillionLetterAMatchesFIPSExample() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(TestHex.string(SHA256.hash(message)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testOneMillionLetterAFedInOddChunksGivesTheSameDigest() {
        var sha = SHA256()
        var left = 1_000_000
        var chunk = 1
        while left > 0 {
            let n = min(chunk, left)
            sha.update([UInt8](repeating: UInt8(ascii: "a"), count: n))
            left -= n
            chunk = chunk % 97 + 13
        }
        XCTAssertEqual(TestHex.string(sha.finalize()),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // Lengths around 55/56/64 exercise the padding branch that needs an extra block.
    func testSplittingAtEveryOffsetGivesTheOneShotDigest() {
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let whole = SHA256.hash(message)
            for split in 0...length {
                var sha = SHA256()
                sha.update(message[..<split])
                sha.update(message[split...])
                XCTAssertEqual(sha.finalize(), whole, "length \(length) split \(split)")
            }
        }
    }

    func testNonContiguousSequencesHashLikeArrays() {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        XCTAssertEqual(SHA256.hash(message.lazy.map { $0 }), SHA256.hash(message))
        XCTAssertEqual(SHA256.hash("abc".utf8), SHA256.hash(Array("abc".utf8)))
    }

    func testDigestIsThirtyTwoBytes() {
        XCTAssertEqual(SHA256.hash([UInt8]()).count, SHA256.digestByteCount)
    }
}
