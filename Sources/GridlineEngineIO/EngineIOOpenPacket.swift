/// The handshake's `open` packet (protocol README, "Handshake"):
/// `0{"sid":"…","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
/// with the keys in engine.io's order.
public struct EngineIOOpenPacket: Sendable, Equatable {
    public var sid: String
    public var upgrades: [EngineIOTransport]
    /// Milliseconds.
    public var pingInterval: Int
    /// Milliseconds.
    public var pingTimeout: Int
    /// Bytes.
    public var maxPayload: Int

    public init(sid: String, upgrades: [EngineIOTransport], pingInterval: Int, pingTimeout: Int, maxPayload: Int) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }

    /// The open packet for a session created on `transport`: `["websocket"]` from polling, none
    /// from WebSocket.
    public init(sid: String, transport: EngineIOTransport, pingInterval: Int, pingTimeout: Int, maxPayload: Int) {
        self.init(sid: sid, upgrades: transport.upgrades, pingInterval: pingInterval,
                  pingTimeout: pingTimeout, maxPayload: maxPayload)
    }

    /// Appends the whole packet, type digit included: a WebSocket text frame, or one polling record.
    public func encode(into out: inout [UInt8]) {
        out.append(EngineIOPacketType.open.wireDigit)
        out.append(contentsOf: #"{"sid":"#.utf8)
        JSONWriter.appendString(sid, into: &out)
        out.append(contentsOf: #","upgrades":["#.utf8)
        for (position, upgrade) in upgrades.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(upgrade.rawValue, into: &out)
        }
        out.append(contentsOf: #"],"pingInterval":"#.utf8)
        JSONWriter.appendInteger(pingInterval, into: &out)
        out.append(contentsOf: #","pingTimeout":"#.utf8)
        JSONWriter.appendInteger(pingTimeout, into: &out)
        out.append(contentsOf: #","maxPayload":"#.utf8)
        JSONWriter.appendInteger(maxPayload, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    public var encoded: [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }
}
