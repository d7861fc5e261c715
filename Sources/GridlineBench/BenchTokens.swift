import Foundation
import GridlineCrypto

/// Signs the bench's tokens: one user per client (`bench-<i>`, editor) so per-user connection
/// caps and write limits apply to each client separately, and one admin for REST calls.
struct BenchTokens {
    let secret: [UInt8]
    let issuedAt: Int64
    static let lifetime: Int64 = 3600

    init(secret: [UInt8]) {
        self.secret = secret
        issuedAt = Int64(Date().timeIntervalSince1970)
    }

    static func userID(_ client: Int) -> String { "bench-\(client)" }

    func client(_ index: Int) -> String {
        let id = Self.userID(index)
        return JWT.sign(JWTClaims(sub: id, username: id, email: "\(id)@bench.invalid", role: "editor",
                                  exp: issuedAt + Self.lifetime, iat: issuedAt), secret: secret)
    }

    func admin() -> String {
        JWT.sign(JWTClaims(sub: "bench-admin", username: "bench-admin", role: "admin",
                           exp: issuedAt + Self.lifetime, iat: issuedAt), secret: secret)
    }

    /// `--secret`, else `--secret-file`, else `$JWT_SECRET_KEY`, else `./data/dev-jwt-secret`
    /// (the file `gridline serve` creates when no secret is configured). The server uses a
    /// secret's bytes as they are; a trailing newline in a file is taken to be an editor's, not
    /// part of the key (the server's own file never has one).
    static func resolveSecret(_ options: BenchOptions, environment: [String: String]) throws(BenchFailure) -> [UInt8] {
        if let secret = options.secret { return Array(secret.utf8) }
        if let path = options.secretFile { return try readSecret(path) }
        if let secret = environment["JWT_SECRET_KEY"], !secret.isEmpty { return Array(secret.utf8) }
        let fallback = "./data/dev-jwt-secret"
        guard FileManager.default.fileExists(atPath: fallback) else {
            throw BenchFailure("no secret: give --secret, --secret-file or JWT_SECRET_KEY (no \(fallback) here)")
        }
        return try readSecret(fallback)
    }

    private static func readSecret(_ path: String) throws(BenchFailure) -> [UInt8] {
        guard var bytes = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw BenchFailure("cannot read secret file \(path)")
        }
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw BenchFailure("secret file \(path) is empty") }
        return bytes
    }
}
