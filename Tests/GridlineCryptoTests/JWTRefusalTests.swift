import XCTest
@testable import GridlineCrypto

/// One test per refusal listed in SPEC §2 and the JWT brief, each reaching its check with a
/// token that passes every earlier one.
final class JWTRefusalTests: XCTestCase {
    private typealias F = JWTForge

    private func assertRefused(_ token: String, _ expected: JWTError, leeway: Int64 = 30,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try F.verify(token, leeway: leeway), file: file, line: line) {
            XCTAssertEqual($0 as? JWTError, expected, file: file, line: line)
        }
    }

    private func assertAccepted(_ token: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNoThrow(try F.verify(token), file: file, line: line)
    }

    func testTokenOver8KiBIsRefusedUnread() {
        assertRefused(String(repeating: "a", count: JWT.maxTokenBytes + 1), .tokenTooLarge)
        // A properly signed token just over the limit is refused too.
        let padding = String(repeating: "x", count: 6200)
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":1700003600,"pad":"\#(padding)"}"#), .tokenTooLarge)
    }

    func testSignedTokenUpToTheLimitIsAccepted() throws {
        var length = 6000
        var token = ""
        repeat {
            length += 1
            let next = F.sign(payload: #"{"sub":"u1","exp":1700003600,"pad":"\#(String(repeating: "x", count: length))"}"#)
            if next.utf8.count > JWT.maxTokenBytes { break }
            token = next
        } while true
        XCTAssertGreaterThan(token.utf8.count, JWT.maxTokenBytes - 4)
        assertAccepted(token)
    }

    func testTokensWithoutExactlyThreeSegmentsAreRefused() {
        let good = F.goodToken
        for token in ["", "abc", "a.b", "a.b.c.d", good + ".", good + ".x", "." + good] {
            assertRefused(token, .malformed)
        }
    }

    func testBadBase64URLInEachSegmentIsRefused() {
        let header = F.segment(#"{"alg":"HS256"}"#)
        let payload = F.segment(F.goodPayload)
        assertRefused("eyJ=.\(payload).AAAA", .invalidBase64URL(.header))
        assertRefused("\(header)=.\(payload).AAAA", .invalidBase64URL(.header))
        assertRefused(F.signRaw(header, payload + "="), .invalidBase64URL(.payload))
        assertRefused(F.signRaw(header, "e30+"), .invalidBase64URL(.payload))
        assertRefused(F.signRaw(header, payload) + "=", .invalidBase64URL(.signature))
        assertRefused("\(header).\(payload).a+b/", .invalidBase64URL(.signature))
    }

    func testHeaderThatIsNotAJSONObjectIsRefused() {
        for header in ["[]", "\"HS256\"", "null", "{\"alg\":\"HS256\"", "{alg:HS256}", "", "{\"alg\":\"HS256\"}x"] {
            assertRefused(F.signRaw(F.segment(header), F.segment(F.goodPayload)), .notJSONObject(.header))
        }
    }

    func testPayloadThatIsNotAJSONObjectIsRefused() {
        for payload in ["[]", "42", "\"sub\"", "null", "{\"sub\":\"u1\",}", "", "{\"sub\":\"u1\"} {}"] {
            assertRefused(F.sign(payload: payload), .notJSONObject(.payload))
        }
    }

    func testDuplicateMemberNamesAreRefused() {
        assertRefused(F.sign(header: #"{"alg":"HS256","alg":"none"}"#, payload: F.goodPayload), .duplicateMember(.header))
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":1700003600,"exp":1}"#), .duplicateMember(.payload))
    }

    func testAnyAlgorithmOtherThanHS256IsRefused() {
        let algorithms = [#""none""#, #""None""#, #""HS512""#, #""HS384""#, #""RS256""#, #""ES256""#, #""hs256""#,
                          #""HS256 ""#, #""""#, "null", "256", #"["HS256"]"#]
        for alg in algorithms {
            assertRefused(F.sign(header: #"{"alg":\#(alg)}"#, payload: F.goodPayload), .algorithmNotAllowed)
        }
        assertRefused(F.sign(header: #"{"typ":"JWT"}"#, payload: F.goodPayload), .algorithmNotAllowed)
    }

    func testAlgNoneWithEmptySignatureIsRefused() {
        let token = F.segment(#"{"alg":"none","typ":"JWT"}"#) + "." + F.segment(F.goodPayload) + "."
        assertRefused(token, .algorithmNotAllowed)
    }

    func testTypOtherThanJWTIsRefused() {
        for typ in [#""JWS""#, #""at+jwt""#, #""""#, "1", "null", #"["JWT"]"#] {
            assertRefused(F.sign(header: #"{"alg":"HS256","typ":\#(typ)}"#, payload: F.goodPayload), .unsupportedType)
        }
    }

    func testCritHeaderIsRefused() {
        for crit in [#"["exp"]"#, "[]", #"["b64"],"b64":false"#] {
            assertRefused(F.sign(header: #"{"alg":"HS256","crit":\#(crit)}"#, payload: F.goodPayload), .criticalHeader)
        }
    }

    func testWrongSignaturesAreRefused() {
        let good = F.goodToken
        let other = JWT.sign(JWTClaims(sub: "u2", exp: F.now + 3600), secret: F.secret)
        let forged = JWT.sign(JWTClaims(sub: "u1", exp: F.now + 3600), secret: Array("another-secret".utf8))
        let signingInput = String(good[..<good.lastIndex(of: ".")!])
        let otherSignature = String(other[other.index(after: other.lastIndex(of: ".")!)...])
        assertRefused(forged, .badSignature)
        assertRefused(signingInput + "." + otherSignature, .badSignature)
        assertRefused(signingInput + ".", .badSignature)
        assertRefused(signingInput + ".AAAA", .badSignature)
        assertRefused(String(good.dropLast(3)), .badSignature)
        // A 64-byte (HS512-sized) signature whose first half is the right MAC.
        let mac = HMAC.sha256(key: F.secret, message: Array(signingInput.utf8))
        assertRefused(signingInput + "." + Base64.encodeURL(mac + mac), .badSignature)
    }

    func testMissingExpiryIsRefused() {
        assertRefused(F.sign(payload: #"{"sub":"u1"}"#), .missingExpiry)
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":null}"#), .missingExpiry)
    }

    // RFC 7519 §4.1.4 with 30 s leeway: refused once exp + leeway <= now.
    func testExpiredTokenIsRefused() {
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":\#(F.now - 30)}"#), .expired)
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":\#(F.now - 3600)}"#), .expired)
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":\#(F.now)}"#), .expired, leeway: 0)
        assertAccepted(F.sign(payload: #"{"sub":"u1","exp":\#(F.now - 29)}"#))
    }

    func testNotBeforeInTheFutureIsRefused() {
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":1700003600,"nbf":\#(F.now + 31)}"#), .notYetValid)
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":1700003600,"nbf":\#(F.now + 1)}"#), .notYetValid, leeway: 0)
        assertAccepted(F.sign(payload: #"{"sub":"u1","exp":1700003600,"nbf":\#(F.now + 30)}"#))
    }

    func testIssuedInTheFutureIsRefused() {
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":1700003600,"iat":\#(F.now + 31)}"#), .issuedInFuture)
        assertAccepted(F.sign(payload: #"{"sub":"u1","exp":1700003600,"iat":\#(F.now + 30)}"#))
    }

    func testMissingOrEmptySubjectIsRefused() {
        for payload in [#"{"exp":1700003600}"#, #"{"sub":"","exp":1700003600}"#, #"{"sub":null,"exp":1700003600}"#] {
            assertRefused(F.sign(payload: payload), .missingSubject)
        }
    }

    func testNonStringSubjectIsRefused() {
        for sub in ["42", "true", #"["u1"]"#, #"{"id":"u1"}"#] {
            assertRefused(F.sign(payload: #"{"sub":\#(sub),"exp":1700003600}"#), .invalidClaim(.sub))
        }
    }

    func testWrongClaimTypesAreRefused() {
        let cases: [(String, JWTClaim)] = [
            (#""username":1"#, .username), (#""email":true"#, .email), (#""role":{"name":"admin"}"#, .role),
            (#""role":["admin"]"#, .role), (#""rooms":"room-1""#, .rooms), (#""rooms":[1]"#, .rooms),
            (#""rooms":[["a"]]"#, .rooms), (#""rooms":["a",null]"#, .rooms), (#""rooms":{}"#, .rooms),
            (#""nbf":"1700000000""#, .nbf), (#""iat":[1]"#, .iat), (#""iat":false"#, .iat),
        ]
        for (member, claim) in cases {
            assertRefused(F.sign(payload: #"{"sub":"u1","exp":1700003600,\#(member)}"#), .invalidClaim(claim))
        }
        for exp in [#""1700003600""#, "true", "[1700003600]", "1e300", "-1e300"] {
            assertRefused(F.sign(payload: #"{"sub":"u1","exp":\#(exp)}"#), .invalidClaim(.exp))
        }
    }

    func testNegativeLeewayCountsAsZeroAndExtremeLeewayDoesNotTrap() {
        assertRefused(F.sign(payload: #"{"sub":"u1","exp":\#(F.now + 1),"iat":\#(F.now + 1)}"#), .issuedInFuture, leeway: -100)
        XCTAssertNoThrow(try F.verify(F.sign(payload: #"{"sub":"u1","exp":\#(F.now + 1)}"#), leeway: .min))
        XCTAssertNoThrow(try F.verify(F.sign(payload: #"{"sub":"u1","exp":9007199254740992}"#), leeway: .max))
        XCTAssertNoThrow(try F.verify(F.sign(payload: #"{"sub":"u1","exp":1,"nbf":-9007199254740992}"#), leeway: .max))
    }
}
