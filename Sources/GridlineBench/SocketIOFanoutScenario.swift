import GridlineJSON

/// The `fanout` shape over Socket.IO on the WebSocket transport (`/socket.io/?EIO=4&
/// transport=websocket`): each client answers the Engine.IO open packet with a Socket.IO
/// CONNECT carrying its token, joins with an acknowledged `join_room` event, and senders emit
/// `cursor_move` events; receivers time the `cursor_moved` events as the raw fan-out does.
/// Works against any Socket.IO v5 server that relays the event's `meta` (see
/// `Tests/support/socketio_peer_server.py`).
final class SocketIOFanoutScenario: FanoutScenario {
    /// The ack id of our `join_room`: its answer is the room's state (or an error).
    private static let joinAckID: UInt64 = 1
    private let tokenFor: (Int) -> String

    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens, tokenFor: @escaping (Int) -> String) {
        self.tokenFor = tokenFor
        super.init(options: options, pool: pool, tokens: tokens, framing: .socketIOEvent)
        joinPayload = Self.joinEvent(room: options.room, ackID: Self.joinAckID)
    }

    /// `42<ack>["join_room",{"room_id":…}]`.
    static func joinEvent(room: String, ackID: UInt64) -> [UInt8] {
        var bytes = Array("42\(ackID)[\"join_room\",{\"room_id\":".utf8)
        JSONWriter.appendString(room, to: &bytes)
        bytes.append(contentsOf: "}]".utf8)
        return bytes
    }

    /// `40{"token":…}`: the Socket.IO CONNECT with its auth payload (SPEC §12).
    static func connectPacket(token: String) -> [UInt8] {
        var bytes = Array("40{\"token\":".utf8)
        JSONWriter.appendString(token, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// Waits until every open connection has its CONNECT answered (or refused).
    override func afterConnect() {
        let start = BenchClock.now()
        pool.run(until: start + BenchClock.nanoseconds(options.joinTimeout)) { _ in
            establishedCount + socketIOConnectRefused < pool.openCount
        }
        Progress.say("Socket.IO CONNECT answered for \(establishedCount)/\(pool.openCount) in"
                     + " \(String(format: "%.3f", Double(BenchClock.now() - start) / 1e9)) s"
                     + (socketIOConnectRefused > 0 ? ", \(socketIOConnectRefused) refused" : ""))
    }

    override func clientReceived(_ client: BenchClient, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        lastFrameAt = now
        let packet = SocketIOPacketScanner.classify(text, 0..<text.count)
        switch packet {
        case .event(_, let name, let arguments):
            if JSONFieldScanner.equals(text, name, "cursor_moved") {
                receivedCursor(text, object: arguments, now: now)
            } else if JSONFieldScanner.equals(text, name, "error") {
                let code = JSONFieldScanner.member("code", in: text, object: arguments)
                    .flatMap { JSONFieldScanner.string(text, $0) } ?? "UNKNOWN"
                serverErrors[code, default: 0] += 1
            }
        default:
            _ = handleSocketIOControl(client, text, packet, joinAckID: Self.joinAckID, tokenFor: tokenFor, now: now)
        }
    }
}
