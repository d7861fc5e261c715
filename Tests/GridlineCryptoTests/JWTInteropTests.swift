import Foundation
import XCTest
@testable import GridlineCrypto

/// Cross-checks against an independent implementation, PyJWT, when it is importable:
/// from the package's `.venv` if one exists, else from the system `python3`. Skipped otherwise.
final class JWTInteropTests: XCTestCase {
    private let secret = "interop-secret-with-at-least-32-bytes!"

    private var pythonCandidates: [String] {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return [packageRoot.appendingPathComponent(".venv/bin/python3").path, "/usr/bin/python3", "/usr/local/bin/python3"]
    }

    /// Runs `python -c script args...`; returns trimmed stdout, or nil on a non-zero exit.
    private func runPython(_ python: String, _ script: String, _ arguments: [String] = []) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func pythonWithPyJWT() throws -> String {
        for python in pythonCandidates where FileManager.default.isExecutableFile(atPath: python) {
            if try runPython(python, "import jwt") != nil { return python }
        }
        throw XCTSkip("PyJWT is not importable; create .venv with `python3 -m venv .venv && .venv/bin/pip install pyjwt`")
    }

    private var now: Int64 { Int64(Date().timeIntervalSince1970) }

    func testTokenSignedByPyJWTIsVerified() throws {
        let python = try pythonWithPyJWT()
        let script = """
            import jwt, sys
            claims = {"sub": "alice", "username": "Alice", "email": "a@example.com", "role": "editor",
                      "rooms": ["r1", "r2"], "iat": int(sys.argv[2]), "exp": int(sys.argv[2]) + 3600}
            print(jwt.encode(claims, sys.argv[1], algorithm="HS256"))
            """
        let issuedAt = now
        let token = try XCTUnwrap(try runPython(python, script, [secret, String(issuedAt)]))
        let claims = try JWT.verify(token, secret: Array(secret.utf8), now: issuedAt)
        XCTAssertEqual(claims, JWTClaims(sub: "alice", username: "Alice", email: "a@example.com", role: "editor",
                                         exp: issuedAt + 3600, iat: issuedAt, rooms: ["r1", "r2"]))
        XCTAssertThrowsError(try JWT.verify(token, secret: Array("wrong".utf8), now: issuedAt))
    }

    func testTokenSignedByUsIsVerifiedByPyJWT() throws {
        let python = try pythonWithPyJWT()
        let script = """
            import jwt, sys, json
            decoded = jwt.decode(sys.argv[2], sys.argv[1], algorithms=["HS256"])
            print(json.dumps(decoded, sort_keys=True, ensure_ascii=True))
            """
        let issuedAt = now
        let claims = JWTClaims(sub: "bob", username: "Bøb", role: "viewer", exp: issuedAt + 600, nbf: issuedAt,
                               iat: issuedAt, rooms: ["main"])
        let token = JWT.sign(claims, secret: Array(secret.utf8))
        let decoded = try XCTUnwrap(try runPython(python, script, [secret, token]), "PyJWT refused our token")
        XCTAssertEqual(decoded, """
            {"exp": \(issuedAt + 600), "iat": \(issuedAt), "nbf": \(issuedAt), "role": "viewer", \
            "rooms": ["main"], "sub": "bob", "username": "B\\u00f8b"}
            """)
    }

    func testPyJWTRefusesOurTokenUnderAnotherSecret() throws {
        let python = try pythonWithPyJWT()
        let script = """
            import jwt, sys
            jwt.decode(sys.argv[2], sys.argv[1], algorithms=["HS256"])
            """
        let token = JWT.sign(JWTClaims(sub: "bob", exp: now + 600), secret: Array(secret.utf8))
        XCTAssertNil(try runPython(python, script, ["another-secret-also-32-bytes-long!!", token]))
    }
}
