import XCTest
@testable import GridlineCrypto

final class JWTTests: XCTestCase {
    // RFC 7515 Appendix A.1: the HS256 JWS example, token and JWK "k" verbatim.
    private let rfc7515Token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    private let rfc7515Key = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"

    func testRFC7515AppendixA1SignatureVerifies() throws {
        let key = try XCTUnwrap(Base64.decodeURL(rfc7515Key))
        let payload = try JWT.verifiedPayload(rfc7515Token, key: HMACSHA256(key: key))
        XCTAssertEqual(payload["iss"], .string("joe"))
        XCTAssertEqual(payload["exp"]?.int64Value, 1_300_819_380)
        XCTAssertEqual(payload["http://example.com/is_root"], .bool(true))
    }

    // The example carries no "sub", so full verification (before its exp) gets past the
    // signature and stops at the claims: proof the signature check passed.
    func testRFC7515AppendixA1TokenIsRefusedOnlyForItsMissingSubject() throws {
        let key = try XCTUnwrap(Base64.decodeURL(rfc7515Key))
        XCTAssertThrowsError(try JWT.verify(rfc7515Token, secret: key, now: 1_300_819_000)) {
            XCTAssertEqual($0 as? JWTError, .missingSubject)
        }
    }

    func testRFC7515AppendixA1TokenFailsWithAnotherKey() {
        XCTAssertThrowsError(try JWT.verify(rfc7515Token, secret: JWTForge.secret, now: 1_300_819_000)) {
            XCTAssertEqual($0 as? JWTError, .badSignature)
        }
    }

    func testSignedClaimsRoundTrip() throws {
        let claims = JWTClaims(sub: "user-42", username: "Ayşe Çelik", email: "ayse@example.com", role: "admin",
                               exp: JWTForge.now + 3600, nbf: JWTForge.now - 10, iat: JWTForge.now,
                               rooms: ["room-1", "oda ☃", ""])
        let token = JWT.sign(claims, secret: JWTForge.secret)
        XCTAssertEqual(try JWTForge.verify(token), claims)
    }

    func testMinimalClaimsRoundTrip() throws {
        let claims = JWTClaims(sub: "u", exp: JWTForge.now + 1)
        XCTAssertEqual(try JWTForge.verify(JWT.sign(claims, secret: JWTForge.secret)), claims)
    }

    func testSignedTokenHasTheStandardHeader() throws {
        let token = JWT.sign(JWTClaims(sub: "u", exp: 1), secret: JWTForge.secret)
        let header = try XCTUnwrap(token.split(separator: ".").first)
        XCTAssertEqual(Base64.decodeURL(header).map { String(decoding: $0, as: UTF8.self) }, #"{"alg":"HS256","typ":"JWT"}"#)
    }

    func testPreparedKeySignsLikeTheRawSecret() throws {
        let claims = JWTClaims(sub: "u", exp: JWTForge.now + 60)
        let key = HMACSHA256(key: JWTForge.secret)
        XCTAssertEqual(JWT.sign(claims, key: key), JWT.sign(claims, secret: JWTForge.secret))
        XCTAssertEqual(try JWT.verify(JWT.sign(claims, key: key), key: key, now: JWTForge.now), claims)
    }

    func testTypIsOptionalAndCaseInsensitive() throws {
        for header in [#"{"alg":"HS256"}"#, #"{"alg":"HS256","typ":"jwt"}"#, #"{"typ":"Jwt","alg":"HS256"}"#] {
            XCTAssertNoThrow(try JWTForge.verify(JWTForge.sign(header: header, payload: JWTForge.goodPayload)), header)
        }
    }

    func testUnknownHeaderParametersAndClaimsAreIgnored() throws {
        let token = JWTForge.sign(header: #"{"alg":"HS256","kid":"k1","cty":"x"}"#,
                                  payload: #"{"sub":"u1","exp":1700003600,"iss":"me","aud":["a"],"x":{"y":[1]}}"#)
        XCTAssertEqual(try JWTForge.verify(token).sub, "u1")
    }

    func testNullOptionalClaimsCountAsAbsent() throws {
        let token = JWTForge.sign(payload:
            #"{"sub":"u1","exp":1700003600,"username":null,"email":null,"role":null,"rooms":null,"nbf":null,"iat":null}"#)
        XCTAssertEqual(try JWTForge.verify(token), JWTClaims(sub: "u1", exp: 1_700_003_600))
    }

    func testNonIntegralDatesAreFlooredToWholeSeconds() throws {
        let token = JWTForge.sign(payload: #"{"sub":"u1","exp":1700003600.9,"iat":1699999999.5,"nbf":1.7e9}"#)
        let claims = try JWTForge.verify(token)
        XCTAssertEqual(claims.exp, 1_700_003_600)
        XCTAssertEqual(claims.iat, 1_699_999_999)
        XCTAssertEqual(claims.nbf, 1_700_000_000)
    }

    func testUnicodeClaimsSurviveVerification() throws {
        let token = JWTForge.sign(payload: #"{"sub":"\u00fc\ud83d\ude00","username":"日本語","exp":1700003600}"#)
        let claims = try JWTForge.verify(token)
        XCTAssertEqual(claims.sub, "ü😀")
        XCTAssertEqual(claims.username, "日本語")
    }

    func testErrorDescriptionsAreShortAndQuoteNoTokenContent() {
        let errors: [JWTError] = [
            .tokenTooLarge, .malformed, .invalidBase64URL(.header), .invalidBase64URL(.payload),
            .invalidBase64URL(.signature), .notJSONObject(.header), .notJSONObject(.payload),
            .duplicateMember(.header), .duplicateMember(.payload), .algorithmNotAllowed, .unsupportedType,
            .criticalHeader, .badSignature, .missingExpiry, .expired, .notYetValid, .issuedInFuture,
            .missingSubject, .invalidClaim(.sub), .invalidClaim(.rooms), .invalidClaim(.exp),
        ]
        for error in errors {
            XCTAssertLessThan(error.description.count, 60)
            XCTAssertFalse(error.description.contains("eyJ"))
        }
        XCTAssertEqual(Set(errors.map(\.description)).count, errors.count, "descriptions tell refusals apart")
    }
}
