import XCTest
@testable import GridlineCrypto

/// Malformed and hostile tokens: every one must be refused with a `JWTError`, none may trap.
/// Most are signed with the real secret so they are refused on their own merits, not merely
/// for a bad signature.
final class JWTHostileTokenTests: XCTestCase {
    private typealias F = JWTForge

    private var hostileTokens: [(String, String)] {
        let good = F.goodToken
        let parts = good.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let (header, payload, signature) = (parts[0], parts[1], parts[2])
        let standardSignature = Base64.encode(Base64.decodeURL(signature)!)
        let deep = String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000)
        let nearlyDeep = #"{"sub":"u1","exp":1700003600,"x":"# + String(repeating: "[", count: 60)
            + String(repeating: "]", count: 60) + "}"
        return [
            ("empty", ""),
            ("one dot", "."),
            ("two dots", ".."),
            ("three dots", "..."),
            ("extra dot at end", good + "."),
            ("extra dot at start", "." + good),
            ("doubled dot", header + ".." + payload + "." + signature),
            ("five segments, JWE-like", good + ".AAAA.BBBB"),
            ("header padded", header + "=." + payload + "." + signature),
            ("payload padded", header + "." + payload + "==." + signature),
            ("signature padded", good + "="),
            ("standard base64 signature", header + "." + payload + "." + standardSignature),
            ("space inside", header + ". " + payload + "." + signature),
            ("trailing newline", good + "\n"),
            ("leading space", " " + good),
            ("trailing NUL", good + "\u{0}"),
            ("Bearer prefix", "Bearer " + good),
            ("header and payload swapped", payload + "." + header + "." + signature),
            ("signature moved to front", signature + "." + header + "." + payload),
            ("alg none, empty signature", F.segment(#"{"alg":"none"}"#) + "." + payload + "."),
            ("alg none, original signature", F.segment(#"{"alg":"none"}"#) + "." + payload + "." + signature),
            ("alg none, signed", F.sign(header: #"{"alg":"none"}"#, payload: F.goodPayload)),
            ("alg NONE", F.sign(header: #"{"alg":"NONE"}"#, payload: F.goodPayload)),
            ("alg nOnE", F.sign(header: #"{"alg":"nOnE"}"#, payload: F.goodPayload)),
            ("alg with NUL", F.sign(header: #"{"alg":"HS256\u0000"}"#, payload: F.goodPayload)),
            ("alg as array", F.sign(header: #"{"alg":["HS256"]}"#, payload: F.goodPayload)),
            ("alg as object", F.sign(header: #"{"alg":{"name":"HS256"}}"#, payload: F.goodPayload)),
            ("alg PS256", F.sign(header: #"{"alg":"PS256"}"#, payload: F.goodPayload)),
            ("alg with escaped look-alike", F.sign(header: #"{"alg":"HS25\u0036 "}"#, payload: F.goodPayload)),
            ("header injection: jku", F.segment(#"{"alg":"HS256","jku":"http://evil/"}"#) + "." + payload + "." + signature),
            ("header injection: jwk", F.segment(#"{"alg":"HS256","jwk":{"kty":"oct","k":"AA"}}"#) + "." + payload + "." + signature),
            ("header injection: kid path", F.segment(#"{"alg":"HS256","kid":"../../dev/null"}"#) + "." + payload + "." + signature),
            ("header injection: second alg", F.sign(header: #"{"alg":"HS256","alg":"none"}"#, payload: F.goodPayload)),
            ("header with trailing garbage", F.sign(header: #"{"alg":"HS256"}garbage"#, payload: F.goodPayload)),
            ("header with comment", F.sign(header: #"{"alg":"HS256"/* hi */}"#, payload: F.goodPayload)),
            ("header with BOM", F.sign(header: "\u{FEFF}{\"alg\":\"HS256\"}", payload: F.goodPayload)),
            ("header invalid UTF-8", F.signRaw(Base64.encodeURL([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), payload)),
            ("header nested 2000 deep", F.sign(header: deep, payload: F.goodPayload)),
            ("payload nested 2000 deep", F.sign(payload: deep)),
            ("header is a number", F.sign(header: "1", payload: F.goodPayload)),
            ("crit with b64 false", F.sign(header: #"{"alg":"HS256","crit":["b64"],"b64":false}"#, payload: F.goodPayload)),
            ("typ JOSE", F.sign(header: #"{"alg":"HS256","typ":"JOSE"}"#, payload: F.goodPayload)),
            ("100 KB token", F.sign(payload: #"{"sub":"u1","exp":1700003600,"x":""# + String(repeating: "x", count: 100_000) + #""}"#)),
            ("100 KB of dots", String(repeating: ".", count: 100_000)),
            ("100 KB of base64", String(repeating: "A", count: 100_000)),
            ("unicode letters in header", "éyJhbGciOiJIUzI1NiJ9." + payload + "." + signature),
            ("emoji signature", header + "." + payload + ".😀"),
            ("full-width dots", header + "．" + payload + "．" + signature),
            ("RTL override in payload", header + "." + payload + "\u{202E}." + signature),
            ("combining mark on signature", good + "\u{301}"),
            ("payload is null", F.sign(payload: "null")),
            ("payload is true", F.sign(payload: "true")),
            ("payload is a string", F.sign(payload: #""{\"sub\":\"u1\"}""#)),
            ("payload is an array of claims", F.sign(payload: #"[{"sub":"u1","exp":1700003600}]"#)),
            ("payload NaN", F.sign(payload: #"{"sub":"u1","exp":NaN}"#)),
            ("payload Infinity", F.sign(payload: #"{"sub":"u1","exp":Infinity}"#)),
            ("payload exp 1e400", F.sign(payload: #"{"sub":"u1","exp":1e400}"#)),
            ("payload exp hex", F.sign(payload: #"{"sub":"u1","exp":0x6553F100}"#)),
            ("payload exp as string", F.sign(payload: #"{"sub":"u1","exp":"1700003600"}"#)),
            ("payload exp leading zero", F.sign(payload: #"{"sub":"u1","exp":01700003600}"#)),
            ("payload exp Int64.max", F.sign(payload: #"{"sub":"u1","exp":9223372036854775807}"#)),
            ("payload exp zero", F.sign(payload: #"{"sub":"u1","exp":0}"#)),
            ("payload exp negative", F.sign(payload: #"{"sub":"u1","exp":-1}"#)),
            ("payload nbf huge", F.sign(payload: #"{"sub":"u1","exp":1700003600,"nbf":1e19}"#)),
            ("payload iat as string", F.sign(payload: #"{"sub":"u1","exp":1700003600,"iat":"now"}"#)),
            ("payload sub as number", F.sign(payload: #"{"sub":1,"exp":1700003600}"#)),
            ("payload sub as object", F.sign(payload: #"{"sub":{"$ne":""},"exp":1700003600}"#)),
            ("payload rooms as string", F.sign(payload: #"{"sub":"u1","exp":1700003600,"rooms":"*"}"#)),
            ("payload role as array", F.sign(payload: #"{"sub":"u1","exp":1700003600,"role":["admin"]}"#)),
            ("payload duplicate sub", F.sign(payload: #"{"sub":"u1","sub":"admin","exp":1700003600}"#)),
            ("payload trailing comma", F.sign(payload: #"{"sub":"u1","exp":1700003600,}"#)),
            ("payload single quotes", F.sign(payload: "{'sub':'u1','exp':1700003600}")),
            ("payload lone surrogate", F.sign(payload: #"{"sub":"\ud800","exp":1700003600}"#)),
            ("payload raw control char", F.sign(payload: "{\"sub\":\"u\u{1}\",\"exp\":1700003600}")),
            ("payload valid but unsigned", header + "." + F.segment(#"{"sub":"admin","exp":1700003600}"#) + "." + signature),
            ("nesting just under the parser limit, tampered", F.segment(#"{"alg":"HS256"}"#) + "." + F.segment(nearlyDeep) + "." + signature),
            ("signature 31 bytes", header + "." + payload + "." + Base64.encodeURL([UInt8](repeating: 1, count: 31))),
            ("signature 33 bytes", header + "." + payload + "." + Base64.encodeURL([UInt8](repeating: 1, count: 33))),
            ("signature one character longer", header + "." + payload + "." + signature + "A"),
            ("signature length 4n+1", header + "." + payload + "." + signature + "AA"),
            ("signature trailing bits set", header + "." + payload + "." + String(signature.dropLast()) + "B"),
            ("whitespace-only segments", " . . "),
            ("hex instead of base64", String(repeating: "0123456789abcdef", count: 8)),
            ("expired", F.sign(payload: #"{"sub":"u1","exp":1600000000}"#)),
        ]
    }

    func testAtLeastFiftyHostileTokensAreAllRefused() {
        let tokens = hostileTokens
        XCTAssertGreaterThanOrEqual(tokens.count, 50)
        for (name, token) in tokens {
            XCTAssertNotNil(F.refusal(token), name)
        }
    }

    func testEveryTruncationOfAGoodTokenIsRefused() {
        let good = Array(F.goodToken.utf8)
        XCTAssertNil(F.refusal(F.goodToken))
        for length in 0..<good.count {
            XCTAssertNotNil(F.refusal(String(decoding: good[..<length], as: UTF8.self)), "prefix \(length)")
        }
    }

    func testEverySingleCharacterChangeIsRefused() {
        let good = Array(F.goodToken.utf8)
        for index in good.indices {
            for replacement in [UInt8(ascii: "A"), UInt8(ascii: "-"), UInt8(ascii: "."), 0x80] where replacement != good[index] {
                var tampered = good
                tampered[index] = replacement
                XCTAssertNotNil(F.refusal(String(decoding: tampered, as: UTF8.self)), "byte \(index)")
            }
        }
    }

    func testRandomGarbageIsRefusedWithoutTrapping() {
        var generator = SplitMix64(seed: 0x6772_6964)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\"".utf8)
        for _ in 0..<2000 {
            let length = Int(generator.next() % 200)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            XCTAssertNotNil(F.refusal(String(decoding: bytes, as: UTF8.self)))
        }
    }
}

/// A small deterministic generator so the garbage is the same on every run.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
