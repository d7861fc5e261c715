import XCTest
@testable import GridlineEngineIO

final class SocketIOConnectAuthTests: XCTestCase {
    func testTokenPidAndOffsetAreReadFromTheConnectPayload() throws {
        let packet = try SocketIOPacket.decode(bytes(#"0{"token":"eyJ.a\/b","pid":"p\u0031","offset":"MzUPkW0","extra":{"token":"no"}}"#))
        let auth = SocketIOConnectAuth(connect: packet)
        XCTAssertEqual(auth.token, "eyJ.a/b")
        XCTAssertEqual(auth.pid, "p1")
        XCTAssertEqual(auth.offset, "MzUPkW0")
        XCTAssertEqual(auth.rawValue(forKey: "extra").map { text($0) }, #"{"token":"no"}"#)
    }

    // socket.io-protocol README, "Connection to a namespace": `{ "token": "123" }`.
    func testReadmeAuthPayloadGivesTheToken() throws {
        let auth = try SocketIOConnectAuth(json: bytes(#"{ "token": "123" }"#)[...])
        XCTAssertEqual(auth.token, "123")
        XCTAssertNil(auth.pid)
    }

    func testConnectWithoutPayloadHasNoFields() throws {
        let auth = SocketIOConnectAuth(connect: try SocketIOPacket.decode(bytes("0")))
        XCTAssertTrue(auth.raw.isEmpty)
        XCTAssertNil(auth.token)
        XCTAssertNil(auth.offset)
    }

    func testNonStringMembersAreNotStrings() throws {
        let auth = try SocketIOConnectAuth(json: bytes(#"{"token":123,"pid":null,"offset":["x"]}"#)[...])
        XCTAssertNil(auth.token)
        XCTAssertNil(auth.pid)
        XCTAssertNil(auth.offset)
        XCTAssertEqual(auth.rawValue(forKey: "token").map { text($0) }, "123")
    }

    func testEscapedKeysMatchAndTheLastDuplicateWins() throws {
        let auth = try SocketIOConnectAuth(json: bytes(#"{"tok\u0065n":"first","token":"second"}"#)[...])
        XCTAssertEqual(auth.token, "second")
        let escapedOnly = try SocketIOConnectAuth(json: bytes(#"{"tok\u0065n":"only"}"#)[...])
        XCTAssertEqual(escapedOnly.token, "only")
    }

    func testOtherPacketTypesGiveNoAuth() throws {
        let event = try SocketIOPacket.decode(bytes(#"2["e",{"token":"x"}]"#))
        XCTAssertNil(SocketIOConnectAuth(connect: event).token)
    }

    func testAuthJSONThatIsNotAnObjectIsRefused() {
        XCTAssertThrowsError(try SocketIOConnectAuth(json: bytes(#"["token"]"#)[...])) {
            XCTAssertEqual($0 as? SocketIOError, .invalidPayload)
        }
        XCTAssertThrowsError(try SocketIOConnectAuth(json: bytes(#"{"token":}"#)[...])) {
            XCTAssertEqual($0 as? SocketIOError, .malformedJSON)
        }
    }
}
