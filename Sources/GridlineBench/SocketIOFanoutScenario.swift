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
    private var connectRefused = 0

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
            establishedCount + connectRefused < pool.openCount
        }
        Progress.say("Socket.IO CONNECT answered for \(establishedCount)/\(pool.openCount) in"
                     + " \(String(format: "%.3f", Double(BenchClock.now() - start) / 1e9)) s"
                     + (connectRefused > 0 ? ", \(connectRefused) refused" : ""))
    }

    override func clientReceived(_ client: BenchClient, text: UnsafeBufferPointer<UInt8>, now: UInt64) {
        lastFrameAt = now
        switch SocketIOPacketScanner.classify(text, 0..<text.count) {
        case .event(_, let name, let arguments):
            if JSONFieldScanner.equals(text, name, "cursor_moved") {
                receivedCursor(text, object: arguments, now: now)
            } else if JSONFieldScanner.equals(text, name, "error") {
                let code = JSONFieldScanner.member("code", in: text, object: arguments)
                    .flatMap { JSONFieldScanner.string(text, $0) } ?? "UNKNOWN"
                serverErrors[code, default: 0] += 1
            }
        case .ping:
            pool.sendText(client, [UInt8(ascii: "3")])
        case .open:
            pool.sendText(client, Self.connectPacket(token: tokenFor(client.index)))
        case .connect:
            noteEstablished(client, now: now)
        case .ack(let id, let arguments) where id == Self.joinAckID:
            let argument = UnsafeBufferPointer(rebasing: text[arguments])
            if let type = JSONFieldScanner.messageType(argument), JSONFieldScanner.equals(argument, type, "room_state") {
                markJoined(client)
            } else {
                serverErrors["join_refused", default: 0] += 1
                markJoinRefused(client)
            }
        case .connectError:
            connectRefused += 1
            pool.stats.count("socketio_connect_error")
        case .disconnect:
            pool.stats.count("socketio_disconnect")
        case .close:
            pool.stats.count("engineio_close")
        case .pong, .noop, .ack, .other:
            break
        }
    }
}
