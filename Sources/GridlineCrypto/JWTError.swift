/// A part of a compact JWS (RFC 7515 §7.1), named in errors without quoting its content.
public enum JWTSegment: String, Sendable, Equatable {
    case header, payload, signature
}

/// A registered or Gridline claim whose value had the wrong JSON type.
public enum JWTClaim: String, Sendable, Equatable {
    case sub, username, email, role, exp, nbf, iat, rooms
}

/// Why a token was refused. `description` is short and never contains token content,
/// because the server writes it to its logs.
public enum JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Longer than `JWT.maxTokenBytes`; refused before any decoding.
    case tokenTooLarge
    /// Not exactly three dot-separated segments (RFC 7515 §7.1).
    case malformed
    /// A segment is not strict unpadded base64url (RFC 7515 §2).
    case invalidBase64URL(JWTSegment)
    /// The header or payload is not a JSON object (RFC 7515 §5.2 step 3, RFC 7519 §7.2 step 10).
    case notJSONObject(JWTSegment)
    /// A member name appears twice in the header or payload (RFC 7515 §5.2 step 4).
    case duplicateMember(JWTSegment)
    /// `alg` is missing or anything but "HS256", including "none" (RFC 7515 §4.1.1, RFC 8725 §3.1).
    case algorithmNotAllowed
    /// `typ` is present and is not "JWT" (RFC 7519 §5.1).
    case unsupportedType
    /// `crit` is present; we understand no extensions (RFC 7515 §4.1.11).
    case criticalHeader
    /// The HMAC does not match.
    case badSignature
    /// No `exp` claim; Gridline requires one (SPEC §2).
    case missingExpiry
    /// `exp` plus leeway is not after now (RFC 7519 §4.1.4).
    case expired
    /// `nbf` minus leeway is after now (RFC 7519 §4.1.5).
    case notYetValid
    /// `iat` minus leeway is after now: issued in the future (SPEC §2).
    case issuedInFuture
    /// `sub` is missing, null or empty.
    case missingSubject
    /// A claim has the wrong JSON type, or a date is out of range.
    case invalidClaim(JWTClaim)

    public var description: String {
        switch self {
        case .tokenTooLarge: return "token too large"
        case .malformed: return "token is not three dot-separated segments"
        case .invalidBase64URL(let segment): return "token \(segment.rawValue) is not base64url"
        case .notJSONObject(let segment): return "token \(segment.rawValue) is not a JSON object"
        case .duplicateMember(let segment): return "token \(segment.rawValue) repeats a member"
        case .algorithmNotAllowed: return "token algorithm not allowed"
        case .unsupportedType: return "token type not supported"
        case .criticalHeader: return "token has critical header extensions"
        case .badSignature: return "token signature mismatch"
        case .missingExpiry: return "token has no expiry"
        case .expired: return "token expired"
        case .notYetValid: return "token not yet valid"
        case .issuedInFuture: return "token issued in the future"
        case .missingSubject: return "token has no subject"
        case .invalidClaim(let claim): return "token claim \(claim.rawValue) has the wrong type"
        }
    }
}
