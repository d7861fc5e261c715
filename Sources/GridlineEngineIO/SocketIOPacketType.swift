/// The Socket.IO v5 packet types, numbered as the protocol's "Exchange protocol" table numbers them.
public enum SocketIOPacketType: UInt8, Sendable, CaseIterable {
    case connect = 0
    case disconnect = 1
    case event = 2
    case ack = 3
    case connectError = 4
    case binaryEvent = 5
    case binaryAck = 6

    /// The ASCII digit that starts the packet on the wire.
    @inlinable public var wireDigit: UInt8 { 0x30 &+ rawValue }

    @inlinable public init?(wireDigit: UInt8) {
        guard wireDigit >= 0x30, wireDigit <= 0x36 else { return nil }
        self.init(rawValue: wireDigit &- 0x30)
    }

    /// BINARY_EVENT and BINARY_ACK: binary attachments follow as separate Engine.IO messages.
    public var isBinary: Bool { self == .binaryEvent || self == .binaryAck }
}
