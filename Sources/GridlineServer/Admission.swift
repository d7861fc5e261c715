import Foundation
import GridlineCollab
import GridlineCrypto
import GridlineHTTP
import GridlineWebSocket

/// A client let in: who it is and the subprotocol to answer with.
struct Admitted {
    let user: User
    let subprotocol: String?
}

/// Why a client was refused before the upgrade (SPEC §2): 401 for tokens, 403 for origins.
struct AdmissionRefusal: Error {
    let status: Int
    let code: ErrorCode
    let text: String
    /// For the log: says why without repeating the token.
    let logReason: String

    static func token(_ reason: String) -> AdmissionRefusal {
        AdmissionRefusal(status: 401, code: .AUTHENTICATION_FAILED, text: "authentication failed: \(reason)", logReason: reason)
    }
}

/// Checks the token and the Origin of every WebSocket upgrade and of guarded REST calls.
/// Everything here is pure given the clock, so the loop thread calls it directly.
struct Admission {
    private let key: HMACSHA256
    private let allowAllOrigins: Bool
    private var allowedOrigins: Set<String>
    static let leewaySeconds: Int64 = 30

    init(secret: [UInt8], settings: Settings) {
        self.key = HMACSHA256(key: secret)
        self.allowAllOrigins = settings.allowedOrigins.contains("*")
        self.allowedOrigins = Set(settings.allowedOrigins.map(Self.normalizeOrigin))
    }

    /// Adds origins once they are known (the server's own, after it binds its port).
    mutating func allow(origins: [String]) {
        allowedOrigins.formUnion(origins.map(Self.normalizeOrigin))
    }

    /// Origins compare as scheme://host[:port], case-insensitively, without a trailing slash.
    static func normalizeOrigin(_ origin: String) -> String {
        var text = origin.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// No Origin (a non-browser client) is admitted; a browser's must be on the list (SPEC §2).
    func isAllowed(origin: String?) -> Bool {
        guard let origin else { return true }
        return allowAllOrigins || allowedOrigins.contains(Self.normalizeOrigin(origin))
    }

    func admit(head: HTTPRequestHead, handshake: HandshakeRequest, peer: String) -> Result<Admitted, AdmissionRefusal> {
        if let origin = handshake.origin, !isAllowed(origin: origin) {
            return .failure(AdmissionRefusal(status: 403, code: .PERMISSION_DENIED, text: "origin not allowed",
                                             logReason: "origin \(origin.prefix(200)) not allowed"))
        }
        var subprotocol: String?
        var token: String?
        if let query = head.query {
            token = HTTPQuery.parse(query).first { $0.0 == "token" }?.1
        }
        if token == nil, let bearer = Self.bearerToken(head.headers) {
            token = bearer
        }
        if token == nil, handshake.subprotocols.count == 2, handshake.subprotocols[0].lowercased() == "bearer" {
            // Browsers can't set headers: `new WebSocket(url, ["bearer", token])` (SPEC §2).
            token = handshake.subprotocols[1]
            subprotocol = "bearer"
        }
        guard let token, !token.isEmpty else { return .failure(.token("missing token")) }
        return authenticate(token).map { Admitted(user: $0, subprotocol: subprotocol) }
    }

    static func bearerToken(_ headers: HTTPHeaders) -> String? {
        guard let value = headers["Authorization"] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// Verifies an HS256 token and turns its claims into a `User`.
    func authenticate(_ token: String, now: Int64 = Timestamp.nowMilliseconds() / 1000) -> Result<User, AdmissionRefusal> {
        let claims: JWTClaims
        do {
            claims = try JWT.verify(token, key: key, now: now, leeway: Self.leewaySeconds)
        } catch {
            return .failure(.token(error.description))
        }
        let role: Role
        if let raw = claims.role {
            guard let parsed = Role(rawValue: raw) else { return .failure(.token("unknown role")) }
            role = parsed
        } else {
            role = .editor
        }
        let user = User(id: claims.sub, username: claims.username ?? claims.sub, email: claims.email, role: role,
                        rooms: claims.rooms.map(Set.init))
        return .success(user)
    }

    /// The REST admin guard (SPEC §2): 401 without a valid token, 403 when the role is too low.
    func authorize(_ headers: HTTPHeaders, requireAdmin: Bool) -> Result<User, AdmissionRefusal> {
        guard let token = Self.bearerToken(headers), !token.isEmpty else {
            return .failure(.token("missing bearer token"))
        }
        switch authenticate(token) {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let user):
            if requireAdmin, user.role != .admin {
                return .failure(AdmissionRefusal(status: 403, code: .PERMISSION_DENIED, text: "admin role required",
                                                 logReason: "role \(user.role.rawValue) is not admin"))
            }
            return .success(user)
        }
    }
}
