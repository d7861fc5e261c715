import GridlineJSON

/// JSON Web Tokens (RFC 7519) in JWS compact serialization (RFC 7515 §7.1), HS256 only.
///
/// Verification never trusts the header to pick the algorithm (RFC 8725 §2.1, §3.1): the
/// header must say exactly "HS256" and the signature is always checked with HMAC-SHA256.
public enum JWT {
    /// Tokens longer than this are refused unread; real ones are a few hundred bytes.
    public static let maxTokenBytes = 8 * 1024

    /// The protected header every token we sign carries.
    private static let encodedHeader = Base64.encodeURL(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    public static func sign(_ claims: JWTClaims, secret: [UInt8]) -> String {
        sign(claims, key: HMACSHA256(key: secret))
    }

    /// Signs with a prepared key; the server keeps one for the process's life.
    public static func sign(_ claims: JWTClaims, key: HMACSHA256) -> String {
        let signingInput = encodedHeader + "." + Base64.encodeURL(JSONValue.object(claims.jsonObject).serialized())
        let signature = key.authenticationCode(for: signingInput.utf8)
        return signingInput + "." + Base64.encodeURL(signature)
    }

    /// Checks the token's form, header, signature and claims, in that order, and returns the
    /// claims. `now` is unix seconds; `leeway` absorbs clock skew on `exp`, `nbf` and `iat`
    /// (a negative leeway counts as zero).
    public static func verify(_ token: String, secret: [UInt8], now: Int64, leeway: Int64 = 30)
        throws(JWTError) -> JWTClaims
    {
        try verify(token, key: HMACSHA256(key: secret), now: now, leeway: leeway)
    }

    public static func verify(_ token: String, key: HMACSHA256, now: Int64, leeway: Int64 = 30)
        throws(JWTError) -> JWTClaims
    {
        let claims = try JWTClaims(payload: verifiedPayload(token, key: key))
        let leeway = max(0, leeway)
        guard let exp = claims.exp else { throw JWTError.missingExpiry }
        // RFC 7519 §4.1.4: the current time must be before exp (plus leeway).
        guard saturatingAdd(exp, leeway) > now else { throw JWTError.expired }
        // RFC 7519 §4.1.5: the current time must be at or after nbf (minus leeway).
        if let nbf = claims.nbf, saturatingAdd(nbf, -leeway) > now { throw JWTError.notYetValid }
        if let iat = claims.iat, saturatingAdd(iat, -leeway) > now { throw JWTError.issuedInFuture }
        return claims
    }

    /// The payload of an HS256 JWS whose form, header and signature check out, before any
    /// claim is looked at (RFC 7515 §5.2). Separate so the RFC 7515 example, which carries
    /// no `sub`, can be checked as a signature.
    static func verifiedPayload(_ token: String, key: HMACSHA256) throws(JWTError) -> JSONObject {
        guard token.utf8.count <= maxTokenBytes else { throw JWTError.tokenTooLarge }
        let bytes = Array(token.utf8)
        let dot = UInt8(ascii: ".")
        guard let firstDot = bytes.firstIndex(of: dot),
              let secondDot = bytes[(firstDot + 1)...].firstIndex(of: dot),
              !bytes[(secondDot + 1)...].contains(dot)
        else { throw JWTError.malformed }
        let headerPart = bytes[..<firstDot]
        let payloadPart = bytes[(firstDot + 1)..<secondDot]
        let signaturePart = bytes[(secondDot + 1)...]

        guard let headerBytes = Base64.decodeURL(bytes: headerPart) else { throw JWTError.invalidBase64URL(.header) }
        try checkHeader(object(headerBytes, .header))

        guard let signature = Base64.decodeURL(bytes: signaturePart) else {
            throw JWTError.invalidBase64URL(.signature)
        }
        // RFC 7515 §5.2 step 8: the MAC is over the ASCII of the first two segments as sent.
        let expected = key.authenticationCode(for: bytes[..<secondDot])
        guard ConstantTime.equals(expected, signature) else { throw JWTError.badSignature }

        guard let payloadBytes = Base64.decodeURL(bytes: payloadPart) else {
            throw JWTError.invalidBase64URL(.payload)
        }
        return try object(payloadBytes, .payload)
    }

    private static func checkHeader(_ header: JSONObject) throws(JWTError) {
        // RFC 7515 §4.1.1: alg is case-sensitive; only the one algorithm we verify is accepted.
        guard header["alg"]?.stringValue == "HS256" else { throw JWTError.algorithmNotAllowed }
        // RFC 7519 §5.1: typ, when present, is "JWT"; media types compare case-insensitively.
        if let typ = header["typ"] {
            guard let text = typ.stringValue, text.lowercased() == "jwt" else { throw JWTError.unsupportedType }
        }
        // RFC 7515 §4.1.11: we implement no extensions, so any crit must be refused.
        if header["crit"] != nil { throw JWTError.criticalHeader }
    }

    private static func object(_ bytes: [UInt8], _ segment: JWTSegment) throws(JWTError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw JWTError.notJSONObject(segment)
        }
        guard let object = value.objectValue else { throw JWTError.notJSONObject(segment) }
        // RFC 7515 §5.2 step 4 / RFC 7519 §4: duplicate names must be refused or resolved to
        // the last one; refusing avoids disagreeing with whichever parser signed the token.
        var seen = Set<String>()
        seen.reserveCapacity(object.count)
        for (name, _) in object.members {
            guard seen.insert(name).inserted else { throw JWTError.duplicateMember(segment) }
        }
        return object
    }

    private static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return sum }
        return b > 0 ? .max : .min
    }
}
