/// The seven Engine.IO v4 packet types, numbered as the protocol's "Protocol" table numbers them.
public enum EngineIOPacketType: UInt8, Sendable, CaseIterable {
    case open = 0
    case close = 1
    case ping = 2
    case pong = 3
    case message = 4
    case upgrade = 5
    case noop = 6

    /// The ASCII digit that starts a text packet on the wire (`'0'` … `'6'`).
    @inlinable public var wireDigit: UInt8 { 0x30 &+ rawValue }

    /// The type a leading ASCII digit names, or nil for any other byte.
    @inlinable public init?(wireDigit: UInt8) {
        guard wireDigit >= 0x30, wireDigit <= 0x36 else { return nil }
        self.init(rawValue: wireDigit &- 0x30)
    }
}
