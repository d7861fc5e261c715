import XCTest
@testable import GridlineEngineIO

final class EngineIOOpenPacketTests: XCTestCase {
    // engine.io-protocol README, "Handshake" example (written there pretty-printed).
    func testReadmeHandshakeExampleEncodesCompactly() {
        let open = EngineIOOpenPacket(sid: "lv_VI97HAXpY6yYWAAAC", transport: .polling,
                                      pingInterval: 25000, pingTimeout: 20000, maxPayload: 1_000_000)
        XCTAssertEqual(text(open.encoded),
            #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
    }

    // socket.io-protocol README, "Sample session", request n°1, verbatim.
    func testSampleSessionOpenPacketIsByteForByte() {
        let open = EngineIOOpenPacket(sid: "lv_VI97HAXpY6yYWAAAC", upgrades: [.websocket],
                                      pingInterval: 25000, pingTimeout: 5000, maxPayload: 1_000_000)
        XCTAssertEqual(text(open.encoded),
            #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#)
    }

    func testWebSocketSessionAnnouncesNoUpgrades() {
        let open = EngineIOOpenPacket(sid: "abc", transport: .websocket, pingInterval: 300, pingTimeout: 200, maxPayload: 0)
        XCTAssertEqual(text(open.encoded),
            #"0{"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":0}"#)
    }

    func testOpenPacketAppendsToExistingBytesAndDecodesAsOpen() throws {
        var out = bytes("6\u{1e}")
        EngineIOOpenPacket(sid: "s", transport: .polling, pingInterval: 1, pingTimeout: 2, maxPayload: 3).encode(into: &out)
        let packets = try EngineIOPayload.decode(out)
        XCTAssertEqual(packets.map(\.type), [.noop, .open])
        XCTAssertEqual(text(packets[1].payload).first, "{")
    }
}
