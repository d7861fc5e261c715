import Foundation
import GridlineHTTP

/// The browser files of `Web/` (SPEC §13), compiled in by the EmbedWebAssets plugin and decoded
/// once on first use. Answers carry a strong ETag, honour `If-None-Match` with 304, ask
/// browsers to revalidate (`no-cache`), and forbid inline script through the CSP, so a value
/// that slipped into markup still could not run.
enum WebAssets {
    struct Asset: Sendable {
        let contentType: String
        let etag: String
        let bytes: [UInt8]
    }

    /// Decoded on first use (a `static let` is initialised once, thread-safely).
    static let byName: [String: Asset] = {
        var assets: [String: Asset] = [:]
        for file in EmbeddedWebFiles.all {
            guard let data = Data(base64Encoded: file.base64) else { continue }
            assets[file.name] = Asset(contentType: file.contentType, etag: file.etag, bytes: [UInt8](data))
        }
        return assets
    }()

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        + "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    /// `GET /client/{asset}`: the page itself lives at `/` only.
    static func clientFile(_ name: String, head: HTTPRequestHead) -> HTTPResponse {
        name == "index.html" ? notFound : response(for: name, head: head)
    }

    static var notFound: HTTPResponse { .jsonError(status: 404, code: ErrorCode.NOT_FOUND.rawValue, text: "no such file") }

    static func response(for name: String, head: HTTPRequestHead) -> HTTPResponse {
        guard let asset = byName[name] else {
            return notFound
        }
        var headers = HTTPHeaders()
        headers.set("ETag", asset.etag)
        headers.set("Cache-Control", "no-cache")
        headers.set("X-Content-Type-Options", "nosniff")
        headers.set("Content-Security-Policy", contentSecurityPolicy)
        headers.set("Referrer-Policy", "no-referrer")
        if matches(head.headers["If-None-Match"], etag: asset.etag) {
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.set("Content-Type", asset.contentType)
        return HTTPResponse(status: 200, headers: headers, body: asset.bytes)
    }

    /// RFC 9110 §13.1.2: a list of entity tags or `*`; weak comparison, so `W/"x"` matches `"x"`.
    static func matches(_ field: String?, etag: String) -> Bool {
        guard let field else { return false }
        for candidate in field.split(separator: ",") {
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            if tag == etag { return true }
        }
        return false
    }
}
