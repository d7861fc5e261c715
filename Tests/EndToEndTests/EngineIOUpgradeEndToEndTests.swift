import Foundation
import XCTest

/// The polling → WebSocket upgrade over real sockets (SPEC §12), for the race a browser hit.
final class EngineIOUpgradeEndToEndTests: XCTestCase {
    /// socket.io-client sends `5` only after its pending GET returns. A GET that reaches the
    /// server after the probe was answered must come back at once (a noop), not be held until the
    /// next ping 25 s later with every packet of the session stuck behind it.
    func testAPollArrivingAfterTheProbeWasAnsweredReturnsANoopAtOnce() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let open = try REST.call(server.port, "GET", "/socket.io/?EIO=4&transport=polling", token: nil)
        let openText = String(decoding: open.body, as: UTF8.self)
        XCTAssertEqual(open.status, 200, openText)
        let openJSON = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(openText.dropFirst().utf8)) as? [String: Any])
        let sid = try XCTUnwrap(openJSON["sid"] as? String, openText)

        let probe = try TestClient(port: server.port, token: nil, path: "/socket.io/?EIO=4&transport=websocket&sid=\(sid)")
        XCTAssertTrue(probe.upgraded)
        probe.sendText("2probe")
        guard case .text(let pong)? = probe.nextEvent(timeout: 5) else { return XCTFail("no answer to the probe") }
        XCTAssertEqual(String(decoding: pong, as: UTF8.self), "3probe")

        let started = Date()
        let poll = try REST.call(server.port, "GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", token: nil,
                                 timeout: 5)
        XCTAssertEqual(poll.status, 200)
        XCTAssertEqual(String(decoding: poll.body, as: UTF8.self), "6")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)

        probe.sendText("5")
        probe.sendText("40")
        guard case .text(let connectAnswer)? = probe.nextEvent(timeout: 5) else { return XCTFail("no CONNECT answer") }
        XCTAssertTrue(String(decoding: connectAnswer, as: UTF8.self).hasPrefix("44{"),
                      "without a token the CONNECT is refused over the upgraded WebSocket")
    }
}
