import Foundation
import XCTest

/// Socket.IO acks over a raw WebSocket (SPEC §12), for the mix-up a browser showed.
final class SocketIOAckEndToEndTests: XCTestCase {
    /// Every client numbers its acks from 0, and a room broadcast carries its sender's
    /// `request_id`. Bob's pending ack 1 must not take Ann's edit (sent with her ack 1) as its
    /// answer: Bob hears the edit as an event and his ack stays pending.
    func testAnotherClientsEditNeverAnswersAPendingAckWithTheSameAckID() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let ann = try Self.connect(server.port, user: "ann")
        let bob = try Self.connect(server.port, user: "bob")
        for client in [ann, bob] {
            client.sendText(#"420["join_room",{"room_id":"demo"}]"#)
            XCTAssertEqual(Self.next(client, prefix: "430").found?.contains(#""type":"room_state""#), true)
        }
        // A cursor move has no answer for its sender: Bob's ack 1 waits.
        bob.sendText(#"421["cursor_move",{"room":"demo","x":1,"y":2,"cell":"A1"}]"#)
        ann.sendText(#"421["cell_update",{"sheet_id":"demo-sheet","cell_id":"C3","value":7}]"#)
        let annAck = Self.next(ann, prefix: "431").found ?? ""
        XCTAssertTrue(annAck.contains(#""type":"cell_updated""#), annAck)
        XCTAssertTrue(annAck.contains(#""cell_id":"C3""#), annAck)

        let heard = Self.next(bob, prefix: #"42["cell_updated""#)
        XCTAssertNotNil(heard.found, "Bob did not hear the edit; he got \(heard.skipped)")
        XCTAssertTrue(heard.found?.contains(#""user_id":"ann""#) == true)
        XCTAssertFalse(heard.skipped.contains { $0.hasPrefix("431") }, "\(heard.skipped)")
    }

    /// The same with a `request_id` both clients chose alike: the edit answers only its writer.
    func testAnotherClientsEditWithTheSameRequestIDNeverAnswersAPendingAck() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let ann = try Self.connect(server.port, user: "ann")
        let bob = try Self.connect(server.port, user: "bob")
        for client in [ann, bob] {
            client.sendText(#"420["join_room",{"room_id":"demo"}]"#)
            XCTAssertNotNil(Self.next(client, prefix: "430").found)
        }
        bob.sendText(#"421["cursor_move",{"room":"demo","x":1,"y":2,"cell":"A1","request_id":"same"}]"#)
        ann.sendText(#"425["cell_update",{"sheet_id":"demo-sheet","cell_id":"C4","value":8,"request_id":"same"}]"#)
        XCTAssertTrue(Self.next(ann, prefix: "435").found?.contains(#""cell_id":"C4""#) == true)
        let heard = Self.next(bob, prefix: #"42["cell_updated""#)
        XCTAssertTrue(heard.found?.contains(#""request_id":"same""#) == true, "Bob hears it as an event")
        XCTAssertFalse(heard.skipped.contains { $0.hasPrefix("431") }, "\(heard.skipped)")
    }

    /// A Socket.IO client over `transport=websocket`, past the open packet and CONNECT.
    static func connect(_ port: UInt16, user: String) throws -> TestClient {
        let client = try TestClient(port: port, token: nil, path: "/socket.io/?EIO=4&transport=websocket")
        XCTAssertTrue(client.upgraded)
        XCTAssertNotNil(next(client, prefix: "0{").found)
        client.sendText(#"40{"token":""# + Tokens.make(user: user) + #""}"#)
        XCTAssertNotNil(next(client, prefix: "40{").found)
        XCTAssertNotNil(next(client, prefix: #"42["connection_established""#).found)
        return client
    }

    /// The next text frame starting with `prefix`, and the frames before it.
    static func next(_ client: TestClient, prefix: String, timeout: TimeInterval = 5)
        -> (found: String?, skipped: [String]) {
        let deadline = Date().addingTimeInterval(timeout)
        var skipped: [String] = []
        while deadline.timeIntervalSinceNow > 0 {
            guard let event = client.nextEvent(timeout: deadline.timeIntervalSinceNow) else { break }
            guard case .text(let bytes) = event else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            if text.hasPrefix(prefix) { return (text, skipped) }
            skipped.append(text)
        }
        return (nil, skipped)
    }
}
