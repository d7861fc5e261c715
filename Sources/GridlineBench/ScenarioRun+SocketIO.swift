/// Socket.IO's own packets, the same for every scenario whose clients speak it: answer pings,
/// send CONNECT once the session is open, count the CONNECT answer, the join's ack and
/// refusals. The scenario reads the events itself.
extension ScenarioRun {
    /// Handles `packet` unless it is an event; returns false for an event.
    func handleSocketIOControl(_ client: BenchClient, _ text: UnsafeBufferPointer<UInt8>, _ packet: SocketIOPacketScanner.Kind,
                               joinAckID: UInt64, tokenFor: (Int) -> String, now: UInt64) -> Bool {
        switch packet {
        case .event:
            return false
        case .ping:
            pool.sendText(client, [UInt8(ascii: "3")])
        case .open:
            pool.sendText(client, SocketIOFanoutScenario.connectPacket(token: tokenFor(client.index)))
        case .connect:
            noteEstablished(client, now: now)
        case .ack(let id, let arguments) where id == joinAckID:
            let argument = UnsafeBufferPointer(rebasing: text[arguments])
            if let type = JSONFieldScanner.messageType(argument), JSONFieldScanner.equals(argument, type, "room_state") {
                markJoined(client)
            } else {
                serverErrors["join_refused", default: 0] += 1
                markJoinRefused(client)
            }
        case .connectError:
            socketIOConnectRefused += 1
            pool.stats.count("socketio_connect_error")
        case .disconnect:
            pool.stats.count("socketio_disconnect")
        case .close:
            pool.stats.count("engineio_close")
        case .pong, .noop, .ack, .other:
            break
        }
        return true
    }
}
