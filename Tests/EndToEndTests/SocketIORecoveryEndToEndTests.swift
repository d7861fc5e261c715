import Foundation
import XCTest

/// Connection state recovery over the raw protocol (SPEC §12), without a browser: the CONNECT
/// answer's `pid` and the last event's offset bring back the rooms and every missed event.
final class SocketIORecoveryEndToEndTests: XCTestCase {
    func testALostTransportIsRecoveredWithItsRoomsAndEveryMissedEvent() throws {
        let server = try ServerProcess(environment: ["WEBSOCKET_REQUESTS_PER_MINUTE": "10000"])
        defer { server.stop() }
        let token = Tokens.make(user: "roamer")
        var client = try open(server.port)
        client.sendText(#"40{"token":""# + token + #""}"#)
        let connect = try XCTUnwrap(SocketIOAckEndToEndTests.next(client, prefix: "40{").found)
        let sid = try XCTUnwrap(connect.firstMatch(of: /"sid":"([0-9a-f]+)"/)?.1).description
        let pid = try XCTUnwrap(connect.firstMatch(of: /"pid":"([0-9a-f]+)"/)?.1).description
        client.sendText(#"420["join_room",{"room_id":"demo"}]"#)
        XCTAssertNotNil(SocketIOAckEndToEndTests.next(client, prefix: "430").found)
        let writer = try TestClient.joined(port: server.port, user: "writer")
        writer.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "R1", "value": 0])
        let heard = try XCTUnwrap(SocketIOAckEndToEndTests.next(client, prefix: #"42["cell_updated""#).found)
        let offset = try XCTUnwrap(heard.firstMatch(of: /,"([0-9]+)"\]$/)?.1).description
        let lastSeq = try XCTUnwrap(heard.firstMatch(of: /"seq":([0-9]+)/)?.1).description

        // The transport dies without a goodbye; the server notices, and the room goes on.
        client.close()
        XCTAssertNotNil(writer.expect("user_left") { $0["user_id"] as? String == "roamer" })
        for value in 1...5 {
            writer.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "R\(value)", "value": value])
            XCTAssertNotNil(writer.expect("cell_updated") { $0["value"] as? Int == value })
        }

        client = try open(server.port)
        client.sendText(#"40{"token":""# + token + #"","pid":""# + pid + #"","offset":""# + offset + #""}"#)
        let again = try XCTUnwrap(SocketIOAckEndToEndTests.next(client, prefix: "40{").found)
        XCTAssertTrue(again.contains(#""sid":"\#(sid)""#) && again.contains(#""pid":"\#(pid)""#), "recovered: \(again)")
        var seqs: [Int] = []
        while seqs.count < 5, let event = SocketIOAckEndToEndTests.next(client, prefix: #"42["cell_updated""#).found {
            seqs.append(Int(try XCTUnwrap(event.firstMatch(of: /"seq":([0-9]+)/)?.1)) ?? 0)
        }
        let first = (Int(lastSeq) ?? 0) + 1
        XCTAssertEqual(seqs, Array(first..<(first + 5)), "every missed update, in order, none twice")
        XCTAssertNotNil(writer.expect("user_joined") { ($0["user"] as? [String: Any])?["user_id"] as? String == "roamer" },
                        "back in the room without joining")

        // A pid is not a key to someone else's session.
        let stranger = try open(server.port)
        stranger.sendText(#"40{"token":""# + Tokens.make(user: "stranger") + #"","pid":""# + pid + #"","offset":"0"}"#)
        let fresh = try XCTUnwrap(SocketIOAckEndToEndTests.next(stranger, prefix: "40{").found)
        XCTAssertFalse(fresh.contains(pid))
    }

    private func open(_ port: UInt16) throws -> TestClient {
        let client = try TestClient(port: port, token: nil, path: "/socket.io/?EIO=4&transport=websocket")
        XCTAssertNotNil(SocketIOAckEndToEndTests.next(client, prefix: "0{").found)
        return client
    }
}
