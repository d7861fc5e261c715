import XCTest
import GridlineHTTP

final class RouterTests: XCTestCase {
    private func makeRouter() -> Router<String> {
        var router = Router<String>()
        router.add("GET", "/api/v1/health", "health")
        router.add("POST", "/api/v1/rooms", "createRoom")
        router.add("GET", "/api/v1/rooms/{id}", "getRoom")
        router.add("DELETE", "/api/v1/rooms/{id}", "deleteRoom")
        router.add("POST", "/api/v1/rooms/{room_id}/sheets", "createSheet")
        router.add("GET", "/api/v1/rooms/new", "newRoomForm")
        router.add("POST", "/api/v1/ws/rooms/{room_id}/broadcast", "broadcast")
        return router
    }

    private func found(_ method: String, _ path: String) -> (String, [String: String])? {
        if case .found(let handler, let params) = makeRouter().match(method: method, path: path) { return (handler, params) }
        return nil
    }

    func testLiteralRouteMatches() {
        XCTAssertEqual(found("GET", "/api/v1/health")?.0, "health")
    }

    func testParametersAreCapturedAndDecoded() {
        let match = found("POST", "/api/v1/rooms/r%C3%A9union%201/sheets")
        XCTAssertEqual(match?.0, "createSheet")
        XCTAssertEqual(match?.1, ["room_id": "réunion 1"])
    }

    func testWrongMethodOnAKnownPathIs405WithTheAllowedMethods() {
        guard case .methodNotAllowed(let allowed) = makeRouter().match(method: "PUT", path: "/api/v1/rooms/abc") else {
            return XCTFail()
        }
        XCTAssertEqual(allowed, ["DELETE", "GET"])
    }

    func testUnknownPathIs404() {
        guard case .notFound = makeRouter().match(method: "GET", path: "/api/v1/nope") else { return XCTFail() }
        guard case .notFound = makeRouter().match(method: "GET", path: "*") else { return XCTFail() }
    }

    func testTrailingSlashAndEmptySegmentsDoNotMatch() {
        XCTAssertNil(found("GET", "/api/v1/health/"))
        XCTAssertNil(found("GET", "/api/v1/rooms/"))
        XCTAssertNil(found("GET", "//api/v1/health"))
    }

    func testEncodedSlashIsDataNotASeparator() {
        XCTAssertEqual(found("GET", "/api/v1/rooms/a%2Fb")?.1, ["id": "a/b"])
        XCTAssertNil(found("POST", "/api/v1/rooms%2Fx/sheets"))
        XCTAssertNil(found("GET", "/api%2Fv1/health"))
    }

    func testDotSegmentsAreParameterValuesButNeverNavigate() {
        XCTAssertEqual(found("GET", "/api/v1/rooms/..")?.1, ["id": ".."])
        XCTAssertEqual(found("GET", "/api/v1/rooms/%2E%2E")?.1, ["id": ".."])
        XCTAssertNil(found("GET", "/api/v1/rooms/x/../../health"))
        XCTAssertNil(found("GET", "/api/v2/../v1/health"))
    }

    func testEncodedLiteralTextStillMatches() {
        // RFC 3986 §6.2.2.2: %76 is "v", an unreserved character.
        XCTAssertEqual(found("GET", "/api/%761/health")?.0, "health")
    }

    func testInvalidPercentEncodingIsNotFound() {
        for path in ["/api/v1/rooms/%", "/api/v1/rooms/%G0", "/api/v1/rooms/%C3", "/api/v1/rooms/a%2"] {
            guard case .notFound = makeRouter().match(method: "GET", path: path) else { return XCTFail(path) }
        }
    }

    func testNulInAParameterIsKeptButNeverMatchesALiteral() {
        XCTAssertEqual(found("GET", "/api/v1/rooms/a%00")?.1, ["id": "a\u{0}"])
        XCTAssertNil(found("GET", "/api/v1/health%00"))
    }

    func testLiteralBeatsParameterWhateverTheOrder() {
        XCTAssertEqual(found("GET", "/api/v1/rooms/new")?.0, "newRoomForm")
        XCTAssertEqual(found("DELETE", "/api/v1/rooms/new")?.0, "deleteRoom")
    }

    func testMethodsAreCaseSensitive() {
        guard case .methodNotAllowed = makeRouter().match(method: "get", path: "/api/v1/health") else { return XCTFail() }
    }

    func testRoutesAreListedAsRegistered() {
        let routes = makeRouter().routes
        XCTAssertEqual(routes.count, 7)
        XCTAssertEqual(routes[4], RouteDescription(method: "POST", pattern: "/api/v1/rooms/{room_id}/sheets"))
    }
}
