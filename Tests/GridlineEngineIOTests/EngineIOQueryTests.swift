import XCTest
@testable import GridlineEngineIO

final class EngineIOQueryTests: XCTestCase {
    private func parse(_ query: String, method: String = "GET", upgrade: Bool = false) throws -> EngineIOQuery {
        try EngineIOQuery.parse(queryString: query[...], method: method, isWebSocketUpgrade: upgrade)
    }

    private func assertRefused(
        _ query: String, method: String = "GET", upgrade: Bool = false,
        with expected: EngineIORequestError, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try parse(query, method: method, upgrade: upgrade), file: file, line: line) {
            XCTAssertEqual($0 as? EngineIORequestError, expected, query, file: file, line: line)
        }
    }

    // socket.io-protocol README, "Sample session", request n°1.
    func testSampleSessionHandshakeIsAPollingHandshake() throws {
        let query = try parse("EIO=4&transport=polling&t=N8hyd6w")
        XCTAssertEqual(query, EngineIOQuery(transport: .polling))
        XCTAssertTrue(query.isHandshake)
    }

    // socket.io-protocol README, "Sample session", requests n°2 and n°6.
    func testSampleSessionRequestsCarryTheSid() throws {
        let post = try parse("EIO=4&transport=polling&t=N8hyd7H&sid=lv_VI97HAXpY6yYWAAAC", method: "POST")
        XCTAssertEqual(post, EngineIOQuery(transport: .polling, sid: "lv_VI97HAXpY6yYWAAAC"))
        let upgrade = try parse("EIO=4&transport=websocket&sid=lv_VI97HAXpY6yYWAAAC", upgrade: true)
        XCTAssertEqual(upgrade, EngineIOQuery(transport: .websocket, sid: "lv_VI97HAXpY6yYWAAAC"))
        XCTAssertFalse(upgrade.isHandshake)
    }

    func testWebSocketOnlyHandshakeNeedsTheUpgrade() throws {
        XCTAssertEqual(try parse("EIO=4&transport=websocket", upgrade: true), EngineIOQuery(transport: .websocket))
        assertRefused("EIO=4&transport=websocket", with: .badRequest)
    }

    func testMissingOrUnknownTransportIsTransportUnknown() {
        assertRefused("EIO=4", with: .transportUnknown)
        assertRefused("EIO=4&transport=flashsocket", with: .transportUnknown)
        assertRefused("EIO=4&transport=webtransport", with: .transportUnknown)
        assertRefused("EIO=4&transport=Polling", with: .transportUnknown)
        assertRefused("EIO=4&transport=polling&transport=websocket", with: .transportUnknown)
        // Transport is checked first, as in engine.io's verify().
        assertRefused("EIO=3", method: "POST", with: .transportUnknown)
    }

    func testHandshakeMustBeAGet() {
        assertRefused("EIO=4&transport=polling", method: "POST", with: .badHandshakeMethod)
        assertRefused("EIO=4&transport=polling&sid=", method: "PUT", with: .badHandshakeMethod)
    }

    func testMissingOrOtherProtocolVersionIsUnsupported() {
        assertRefused("transport=polling", with: .unsupportedProtocolVersion)
        assertRefused("EIO=3&transport=polling", with: .unsupportedProtocolVersion)
        assertRefused("EIO=5&transport=polling", with: .unsupportedProtocolVersion)
        assertRefused("EIO=4&EIO=4&transport=polling", with: .unsupportedProtocolVersion)
        assertRefused("transport=polling&sid=abc", method: "POST", with: .unsupportedProtocolVersion)
    }

    func testSidGivenTwiceIsAnUnknownSession() {
        assertRefused("EIO=4&transport=polling&sid=a&sid=b", with: .sessionIDUnknown)
    }

    func testOtherParametersAreIgnored() throws {
        XCTAssertEqual(try parse("token=x.y.z&EIO=4&t=1&transport=polling&&b64=1"), EngineIOQuery(transport: .polling))
    }

    func testPairsAndDictionaryFormsAgreeWithTheQueryString() throws {
        let pairs = [("EIO", "4"), ("transport", "polling"), ("sid", "s1")]
        let fromPairs = try EngineIOQuery.parse(pairs, method: "GET", isWebSocketUpgrade: false)
        let fromDictionary = try EngineIOQuery.parse(
            Dictionary(uniqueKeysWithValues: pairs), method: "GET", isWebSocketUpgrade: false)
        XCTAssertEqual(fromPairs, EngineIOQuery(transport: .polling, sid: "s1"))
        XCTAssertEqual(fromDictionary, fromPairs)
    }

    func testQueryStringIsPercentDecoded() {
        let pairs = EngineIOQuery.splitQuery("sid=a%2Db%5F&name=two+words&flag&bad=%zz%4&e=%C3%A9")
        XCTAssertEqual(pairs.map(\.0), ["sid", "name", "flag", "bad", "e"])
        XCTAssertEqual(pairs.map(\.1), ["a-b_", "two words", "", "%zz%4", "é"])
    }

    func testSessionOnPollingAcceptsPollingAndTheWebSocketUpgrade() throws {
        let polling = EngineIOQuery(transport: .polling, sid: "s")
        XCTAssertNoThrow(try polling.validate(sessionTransport: .polling, isUpgrade: false))
        let websocket = EngineIOQuery(transport: .websocket, sid: "s")
        XCTAssertNoThrow(try websocket.validate(sessionTransport: .polling, isUpgrade: true))
    }

    func testTransportMismatchWithoutUpgradeIsABadRequest() {
        let websocket = EngineIOQuery(transport: .websocket, sid: "s")
        XCTAssertThrowsError(try websocket.validate(sessionTransport: .polling, isUpgrade: false)) {
            XCTAssertEqual($0 as? EngineIORequestError, .badRequest)
        }
        let polling = EngineIOQuery(transport: .polling, sid: "s")
        XCTAssertThrowsError(try polling.validate(sessionTransport: .websocket, isUpgrade: false)) {
            XCTAssertEqual($0 as? EngineIORequestError, .badRequest)
        }
        XCTAssertThrowsError(try websocket.validate(sessionTransport: .websocket, isUpgrade: true)) {
            XCTAssertEqual($0 as? EngineIORequestError, .badRequest)
        }
    }

    // engine.io lib/server.ts: Server.errors, Server.errorMessages and abortRequest().
    func testErrorAnswersMatchEngineIOExactly() {
        let expected: [(EngineIORequestError, Int, String, Int)] = [
            (.transportUnknown, 0, "Transport unknown", 400),
            (.sessionIDUnknown, 1, "Session ID unknown", 400),
            (.badHandshakeMethod, 2, "Bad handshake method", 400),
            (.badRequest, 3, "Bad request", 400),
            (.forbidden, 4, "Forbidden", 403),
            (.unsupportedProtocolVersion, 5, "Unsupported protocol version", 400),
        ]
        XCTAssertEqual(EngineIORequestError.allCases.count, expected.count)
        for (error, code, message, status) in expected {
            XCTAssertEqual(error.code, code)
            XCTAssertEqual(error.message, message)
            XCTAssertEqual(error.httpStatus, status)
            XCTAssertEqual(text(error.jsonBody), "{\"code\":\(code),\"message\":\"\(message)\"}")
        }
        XCTAssertEqual(text(EngineIORequestError.transportUnknown.jsonBody), #"{"code":0,"message":"Transport unknown"}"#)
    }

    func testForbiddenBodyCanCarryTheRefusalReasonEscaped() {
        XCTAssertEqual(text(EngineIORequestError.forbidden.jsonBody(message: "origin \"x\" refused")),
                       #"{"code":4,"message":"origin \"x\" refused"}"#)
    }
}
