@testable import GridlineCrypto

/// Builds tokens by hand — any header, any payload, properly signed — so each refusal can be
/// reached past the checks that come before it.
enum JWTForge {
    static let secret = Array("gridline-test-secret-0123456789abcdef".utf8)
    static let now: Int64 = 1_700_000_000

    static func segment(_ json: String) -> String { Base64.encodeURL(Array(json.utf8)) }

    /// Signs the two given segments exactly as written.
    static func signRaw(_ header: String, _ payload: String, secret: [UInt8] = secret) -> String {
        let input = header + "." + payload
        return input + "." + Base64.encodeURL(HMAC.sha256(key: secret, message: Array(input.utf8)))
    }

    static func sign(header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String) -> String {
        signRaw(segment(header), segment(payload))
    }

    /// A payload that passes every claim check at `now`.
    static let goodPayload = #"{"sub":"u1","exp":1700003600}"#

    static var goodToken: String { sign(payload: goodPayload) }

    static func verify(_ token: String, leeway: Int64 = 30) throws(JWTError) -> JWTClaims {
        try JWT.verify(token, secret: secret, now: now, leeway: leeway)
    }

    static func refusal(_ token: String) -> JWTError? {
        do {
            _ = try verify(token)
            return nil
        } catch {
            return error
        }
    }
}
