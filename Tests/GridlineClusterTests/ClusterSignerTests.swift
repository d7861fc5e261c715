import GridlineCluster
import GridlineJSON
import XCTest

final class ClusterSignerTests: XCTestCase {
    private let signer = ClusterSigner(secret: Array("cluster-test-secret-0123456789abcdef".utf8))

    func testASealedEnvelopeOpensToTheSameHeaderAndBody() throws {
        let envelope = ClusterEnvelope(header: JSONObject([("k", "c"), ("a", 21), ("s", "demo-sheet")]),
                                       body: Array(#"{"type":"cell_updated","seq":21}"#.utf8))
        let opened = try signer.open(signer.seal(envelope))
        XCTAssertEqual(opened, envelope)
        XCTAssertEqual(opened.int64("a"), 21)
        XCTAssertEqual(opened.string("s"), "demo-sheet")
    }

    func testAnyChangedByteIsRefused() throws {
        let sealed = signer.seal(ClusterEnvelope(header: JSONObject([("k", "fwd")]), body: Array("payload".utf8)))
        for index in [0, 31, 32, 36, sealed.count - 1] {
            var forged = sealed
            forged[index] ^= 0x01
            XCTAssertThrowsError(try signer.open(forged), "byte \(index)") { error in
                XCTAssertEqual(error as? ClusterSigner.OpenError, .badMAC)
            }
        }
    }

    func testAnEnvelopeSealedWithAnotherSecretIsRefused() {
        let other = ClusterSigner(secret: Array("another-secret-0123456789abcdef0123".utf8))
        let sealed = other.seal(ClusterEnvelope(header: JSONObject([("k", "fwd")])))
        XCTAssertThrowsError(try signer.open(sealed)) { XCTAssertEqual($0 as? ClusterSigner.OpenError, .badMAC) }
    }

    func testTruncatedAndGarbageMessagesAreRefusedWithoutCrashing() {
        XCTAssertThrowsError(try signer.open([])) { XCTAssertEqual($0 as? ClusterSigner.OpenError, .tooShort) }
        XCTAssertThrowsError(try signer.open(Array(repeating: 0x41, count: 35))) {
            XCTAssertEqual($0 as? ClusterSigner.OpenError, .tooShort)
        }
        XCTAssertThrowsError(try signer.open(Array("hello world, this is not a cluster message at all".utf8))) {
            XCTAssertEqual($0 as? ClusterSigner.OpenError, .badMAC)
        }
    }
}

extension ClusterSignerTests {
    func testTheUnverifiedEnvelopeIsReadableButVerifyStillChecksTheMAC() {
        var sealed = signer.seal(ClusterEnvelope(header: JSONObject([("n", "node-a")]), body: Array("x".utf8)))
        XCTAssertTrue(signer.verify(sealed))
        XCTAssertEqual(signer.unverifiedEnvelope(sealed)?.string("n"), "node-a")
        XCTAssertEqual(signer.unverifiedEnvelope(sealed)?.body, Array("x".utf8))
        sealed[0] ^= 0xff
        XCTAssertEqual(signer.unverifiedEnvelope(sealed)?.string("n"), "node-a")
        XCTAssertFalse(signer.verify(sealed))
        XCTAssertThrowsError(try signer.open(sealed))
        XCTAssertNil(signer.unverifiedEnvelope(Array("short".utf8)))
        XCTAssertFalse(signer.verify(Array("short".utf8)))
    }
}
