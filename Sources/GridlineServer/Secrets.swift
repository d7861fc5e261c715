import Foundation
import Glibc

/// The HS256 key: `JWT_SECRET_KEY` when set (at least 32 bytes, RFC 7518 §3.2), otherwise a
/// random development secret kept in the data directory with mode 0600 and reused on restart.
public enum Secrets {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public static let devSecretFileName = "dev-jwt-secret"

    public static func resolve(settings: Settings) throws -> (secret: [UInt8], generated: Bool) {
        if let explicit = settings.jwtSecret {
            let bytes = Array(explicit.utf8)
            guard bytes.count >= 32 else {
                throw Refusal(description: "invalid setting JWT_SECRET_KEY: must be at least 32 bytes, got \(bytes.count)")
            }
            return (bytes, false)
        }
        let path = settings.dataDirectory + "/" + devSecretFileName
        if let existing = FileManager.default.contents(atPath: path), existing.count >= 32 {
            return (Array(existing), false)
        }
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux
        let random = (0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // Hex keeps the file printable for people who want to copy it into JWT_SECRET_KEY.
        let hex = Array(random.map { String(format: "%02x", $0) }.joined().utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Refusal(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard write(fd, hex, hex.count) == hex.count, fsync(fd) == 0 else {
            throw Refusal(description: "cannot write \(path)")
        }
        return (hex, true)
    }
}
