import GridlineJSON

/// The claims Gridline reads from a token (SPEC §2). Other claims are ignored, as
/// RFC 7519 §4 requires for claims a recipient does not understand.
///
/// `role` is the raw claim: mapping it to a permission (and defaulting to editor) is the
/// server's policy, not the codec's. Dates are unix seconds (RFC 7519 §2 NumericDate).
public struct JWTClaims: Sendable, Equatable {
    public var sub: String
    public var username: String?
    public var email: String?
    public var role: String?
    public var exp: Int64?
    public var nbf: Int64?
    public var iat: Int64?
    public var rooms: [String]?

    public init(
        sub: String, username: String? = nil, email: String? = nil, role: String? = nil,
        exp: Int64? = nil, nbf: Int64? = nil, iat: Int64? = nil, rooms: [String]? = nil
    ) {
        self.sub = sub
        self.username = username
        self.email = email
        self.role = role
        self.exp = exp
        self.nbf = nbf
        self.iat = iat
        self.rooms = rooms
    }
}

extension JWTClaims {
    /// The payload object, members in a fixed order so equal claims sign to equal tokens.
    var jsonObject: JSONObject {
        var object = JSONObject([("sub", .string(sub))])
        if let username { object["username"] = .string(username) }
        if let email { object["email"] = .string(email) }
        if let role { object["role"] = .string(role) }
        if let rooms { object["rooms"] = .array(rooms.map { .string($0) }) }
        if let iat { object["iat"] = JSONValue(iat) }
        if let nbf { object["nbf"] = JSONValue(nbf) }
        if let exp { object["exp"] = JSONValue(exp) }
        return object
    }

    /// Reads the claims with their types checked. A JSON `null` counts as absent for the
    /// optional claims, which is what issuers that serialise empty fields mean by it.
    init(payload object: JSONObject) throws(JWTError) {
        guard let subject = object["sub"], !subject.isNull else { throw JWTError.missingSubject }
        guard let sub = subject.stringValue else { throw JWTError.invalidClaim(.sub) }
        guard !sub.isEmpty else { throw JWTError.missingSubject }
        self.sub = sub
        username = try Self.optionalString(object, .username)
        email = try Self.optionalString(object, .email)
        role = try Self.optionalString(object, .role)
        exp = try Self.optionalDate(object, .exp)
        nbf = try Self.optionalDate(object, .nbf)
        iat = try Self.optionalDate(object, .iat)
        if let value = object["rooms"], !value.isNull {
            guard let elements = value.arrayValue else { throw JWTError.invalidClaim(.rooms) }
            var rooms: [String] = []
            rooms.reserveCapacity(elements.count)
            for element in elements {
                guard let room = element.stringValue else { throw JWTError.invalidClaim(.rooms) }
                rooms.append(room)
            }
            self.rooms = rooms
        } else {
            rooms = nil
        }
    }

    private static func optionalString(_ object: JSONObject, _ claim: JWTClaim) throws(JWTError) -> String? {
        guard let value = object[claim.rawValue], !value.isNull else { return nil }
        guard let string = value.stringValue else { throw JWTError.invalidClaim(claim) }
        return string
    }

    /// RFC 7519 §2 allows non-integral NumericDates; we floor them to whole seconds. For `exp`
    /// that can only shorten a token's life; for `nbf`/`iat` it moves them by under a second,
    /// well inside the leeway. Values beyond ±2^53 (not exact in a Double, and centuries away)
    /// are refused rather than trapped on conversion.
    private static func optionalDate(_ object: JSONObject, _ claim: JWTClaim) throws(JWTError) -> Int64? {
        guard let value = object[claim.rawValue], !value.isNull else { return nil }
        guard let seconds = value.doubleValue else { throw JWTError.invalidClaim(claim) }
        let floored = seconds.rounded(.down)
        guard floored.isFinite, abs(floored) <= 9_007_199_254_740_992 else { throw JWTError.invalidClaim(claim) }
        return Int64(floored)
    }
}
