import XCTest
@testable import GridlineEngineIO

final class EngineIOSessionStateTests: XCTestCase {
    private func pollingSession(now: UInt64 = 0) -> EngineIOSessionState {
        EngineIOSessionState(transport: .polling, pingInterval: 300, pingTimeout: 200, upgradeTimeout: 1_000, now: now)
    }

    private let probe = EngineIOPacket(type: .ping, payload: bytes("probe"))
    private let upgradePacket = EngineIOPacket(type: .upgrade)

    // MARK: Polling

    func testEmptyPollIsParkedAndAQueuedOneAnsweredAtOnce() {
        var session = pollingSession()
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: true), .answerWithQueuedPackets)
        XCTAssertFalse(session.isPollParked)
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: false), .park)
        XCTAssertTrue(session.isPollParked)
        session.pollAnswered()
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: false), .park)
    }

    // engine.io-protocol README, "Receiving data": a second active GET is a 400 and a closed session.
    func testSecondConcurrentPollClosesTheSession() {
        var session = pollingSession()
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: false), .park)
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: false), .refuseOverlapAndClose)
        XCTAssertEqual(session.closeReason, .transportError)
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: true), .refuse)
        XCTAssertNil(session.nextDeadline)
    }

    // engine.io-protocol README, "Sending data": a second active POST is a 400 and a closed session.
    func testSecondConcurrentPostClosesTheSession() {
        var session = pollingSession()
        XCTAssertTrue(session.dataRequestArrived())
        session.dataRequestFinished()
        XCTAssertTrue(session.dataRequestArrived())
        XCTAssertFalse(session.dataRequestArrived())
        XCTAssertEqual(session.closeReason, .transportError)
    }

    // MARK: Packets

    func testMessagesAreDeliveredAndPongsFeedTheHeartbeat() {
        var session = pollingSession()
        XCTAssertEqual(session.packetReceived(.message, now: 10), .deliver)
        XCTAssertEqual(session.tick(now: 300), [.sendPing])
        XCTAssertEqual(session.packetReceived(.pong, now: 350), .ignore)
        XCTAssertEqual(session.nextDeadline, 650)
        XCTAssertEqual(session.tick(now: 600), [])
        XCTAssertEqual(session.packetReceived(.noop, now: 600), .ignore)
    }

    func testClientPingIsTheWrongHeartbeatDirection() {
        var session = pollingSession()
        XCTAssertEqual(session.packetReceived(.ping, now: 1), .close(.transportError))
        XCTAssertTrue(session.isClosed)
        XCTAssertEqual(session.packetReceived(.message, now: 2), .ignore)
    }

    func testClientCloseAndParseErrorsCloseTheSession() {
        var closed = pollingSession()
        XCTAssertEqual(closed.packetReceived(.close, now: 1), .close(.transportClose))
        var garbled = pollingSession()
        XCTAssertEqual(garbled.parseFailed(), .close(.parseError))
        XCTAssertEqual(garbled.parseFailed(), .ignore)
        XCTAssertEqual(garbled.closeReason, .parseError)
    }

    // SPEC §12: "A polling session nobody polls for pingInterval + pingTimeout is closed".
    func testUnpolledSessionClosesAfterPingIntervalPlusPingTimeout() {
        var session = pollingSession(now: 1_000)
        XCTAssertEqual(session.tick(now: 1_299), [])
        XCTAssertEqual(session.tick(now: 1_300), [.sendPing])
        XCTAssertEqual(session.tick(now: 1_499), [])
        XCTAssertEqual(session.tick(now: 1_500), [.close(.pingTimeout)])
        XCTAssertEqual(session.closeReason, .pingTimeout)
        XCTAssertEqual(session.tick(now: 9_999), [])
    }

    // MARK: Upgrade (engine.io-protocol README, "Upgrade")

    func testUpgradeWithAParkedPollReleasesItWithANoop() {
        var session = pollingSession()
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: false), .park)
        XCTAssertTrue(session.webSocketArrived(now: 50))
        XCTAssertEqual(session.upgrade, .awaitingProbe(since: 50))
        XCTAssertEqual(session.upgradePacketReceived(probe), .answerProbe(releaseParkedPoll: true))
        XCTAssertEqual(session.upgrade, .awaitingUpgrade(since: 50))
        session.pollAnswered()
        XCTAssertEqual(session.upgradePacketReceived(upgradePacket), .complete(releaseParkedPoll: false))
        XCTAssertEqual(session.transport, .websocket)
        XCTAssertEqual(session.upgrade, .none)
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: false), .refuse)
        XCTAssertFalse(session.webSocketArrived(now: 60), "one WebSocket per session")
    }

    func testPollArrivingAfterTheProbeIsAnsweredNotParked() {
        var session = pollingSession()
        XCTAssertTrue(session.webSocketArrived(now: 0))
        XCTAssertEqual(session.upgradePacketReceived(probe), .answerProbe(releaseParkedPoll: false))
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: false), .answerWithNoop)
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: true), .answerWithQueuedPackets)
        XCTAssertFalse(session.isPollParked)
    }

    func testUpgradeCompletingWhileAPollIsParkedReleasesIt() {
        var session = pollingSession()
        XCTAssertTrue(session.webSocketArrived(now: 0))
        XCTAssertEqual(session.upgradePacketReceived(probe), .answerProbe(releaseParkedPoll: false))
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: true), .answerWithQueuedPackets)
        XCTAssertEqual(session.upgradePacketReceived(upgradePacket), .complete(releaseParkedPoll: false))
        var parked = pollingSession()
        XCTAssertEqual(parked.pollArrived(hasQueuedPackets: false), .park)
        XCTAssertTrue(parked.webSocketArrived(now: 0))
        XCTAssertEqual(parked.upgradePacketReceived(probe), .answerProbe(releaseParkedPoll: true))
        XCTAssertEqual(parked.upgradePacketReceived(upgradePacket), .complete(releaseParkedPoll: true))
        XCTAssertFalse(parked.isPollParked)
    }

    func testOutOfOrderUpgradePacketsAbortTheUpgradeButKeepTheSession() {
        let cases: [[EngineIOPacket]] = [
            [upgradePacket],
            [EngineIOPacket(type: .ping)],
            [EngineIOPacket(type: .message, payload: bytes("2[\"e\"]"))],
            [probe, probe],
            [probe, EngineIOPacket(type: .message, payload: bytes("x"))],
            [EngineIOPacket(type: .ping, payload: bytes("probe"), isBinary: true)],
        ]
        for packets in cases {
            var session = pollingSession()
            XCTAssertTrue(session.webSocketArrived(now: 0))
            let decisions = packets.map { session.upgradePacketReceived($0) }
            XCTAssertEqual(decisions.last, .abort, "\(packets.map(\.type))")
            XCTAssertEqual(session.upgrade, .none)
            XCTAssertEqual(session.transport, .polling)
            XCTAssertFalse(session.isClosed)
            XCTAssertTrue(session.webSocketArrived(now: 1), "a new attempt is allowed")
        }
    }

    func testUpgradeTimesOutAfterUpgradeTimeout() {
        var session = EngineIOSessionState(transport: .polling, pingInterval: 25_000, pingTimeout: 20_000,
                                           upgradeTimeout: 1_000, now: 0)
        XCTAssertTrue(session.webSocketArrived(now: 100))
        XCTAssertEqual(session.nextDeadline, 1_100)
        XCTAssertEqual(session.tick(now: 1_099), [])
        XCTAssertEqual(session.tick(now: 1_100), [.abortUpgrade])
        XCTAssertEqual(session.upgrade, .none)
        XCTAssertEqual(session.nextDeadline, 25_000)
        XCTAssertFalse(session.isClosed)
    }

    func testSecondWebSocketDuringAnUpgradeIsRefused() {
        var session = pollingSession()
        XCTAssertTrue(session.webSocketArrived(now: 0))
        XCTAssertFalse(session.webSocketArrived(now: 1))
        session.upgradingWebSocketClosed()
        XCTAssertTrue(session.webSocketArrived(now: 2))
    }

    func testWebSocketSessionRefusesPollingAndUpgrades() {
        var session = EngineIOSessionState(transport: .websocket, pingInterval: 300, pingTimeout: 200, now: 0)
        XCTAssertEqual(session.pollArrived(hasQueuedPackets: false), .refuse)
        XCTAssertFalse(session.dataRequestArrived())
        XCTAssertFalse(session.webSocketArrived(now: 0))
        XCTAssertEqual(session.packetReceived(.message, now: 1), .deliver)
    }

    func testClosingDuringAnUpgradeAbortsIt() {
        var session = pollingSession()
        XCTAssertTrue(session.webSocketArrived(now: 0))
        session.close(.serverClose)
        session.close(.pingTimeout)
        XCTAssertEqual(session.closeReason, .serverClose, "the first reason sticks")
        XCTAssertEqual(session.upgradePacketReceived(probe), .abort)
        XCTAssertEqual(session.tick(now: 100_000), [])
    }
}
