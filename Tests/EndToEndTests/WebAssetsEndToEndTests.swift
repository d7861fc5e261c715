import Foundation
import XCTest

/// The editor's files as the binary serves them (SPEC §13): types, ETags, 304, CSP.
final class WebAssetsEndToEndTests: XCTestCase {
    func testEditorAndClientAreServedWithTypesETagsAndAScriptOnlyFromSelfPolicy() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let expected = [("/", "text/html; charset=utf-8", "Web/index.html"),
                        ("/client/gridline.js", "text/javascript; charset=utf-8", "Web/gridline.js"),
                        ("/client/editor.js", "text/javascript; charset=utf-8", "Web/editor.js"),
                        ("/client/editor.css", "text/css; charset=utf-8", "Web/editor.css")]
        var etags = Set<String>()
        for (path, type, file) in expected {
            let response = try REST.call(server.port, "GET", path, token: nil)
            XCTAssertEqual(response.status, 200, path)
            XCTAssertEqual(response.headers["content-type"], type, path)
            XCTAssertEqual(response.headers["cache-control"], "no-cache", path)
            let onDisk = try XCTUnwrap(FileManager.default.contents(atPath: ServerProcess.packageRoot + "/" + file))
            XCTAssertEqual(response.body, [UInt8](onDisk), "\(path) is not the committed \(file)")
            let policy = try XCTUnwrap(response.headers["content-security-policy"], path)
            XCTAssertTrue(policy.contains("script-src 'self';"), policy)
            XCTAssertTrue(policy.contains("connect-src 'self' ws: wss:"), policy)
            XCTAssertFalse(policy.contains("unsafe-inline"), policy)
            let etag = try XCTUnwrap(response.headers["etag"], path)
            XCTAssertTrue(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count == 26, etag)
            etags.insert(etag)
            let again = try REST.call(server.port, "GET", path, token: nil, headers: ["If-None-Match": etag])
            XCTAssertEqual(again.status, 304, path)
            XCTAssertEqual(again.body, [], path)
            XCTAssertEqual(again.headers["etag"], etag, path)
            let stale = try REST.call(server.port, "GET", path, token: nil, headers: ["If-None-Match": "\"other\", W/\"x\""])
            XCTAssertEqual(stale.status, 200, path)
        }
        XCTAssertEqual(etags.count, expected.count)
    }

    func testThePageHasNoInlineScriptAndUnknownClientFilesAre404() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let page = String(decoding: try REST.call(server.port, "GET", "/", token: nil).body, as: UTF8.self)
        XCTAssertTrue(page.contains(#"<script type="module" src="/client/editor.js"></script>"#))
        XCTAssertEqual(page.components(separatedBy: "<script").count - 1, 1, "exactly one script element, external")
        XCTAssertFalse(page.contains(" style="), "no inline style attributes: the CSP forbids them")
        XCTAssertTrue(page.contains("data-connection-state") && page.contains(#"id="formula-bar""#))
        for path in ["/client/index.html", "/client/nope.js", "/client/..%2FPackage.swift"] {
            XCTAssertEqual(try REST.call(server.port, "GET", path, token: nil).status, 404, path)
        }
    }
}
