/// Why bytes could not be read as Engine.IO packets. The engine.io server answers every one of
/// these by closing the session ("parse error"); the caller decides how.
public enum EngineIOError: Error, Sendable, Equatable {
    /// A text packet with no bytes at all: not even a type digit.
    case emptyPacket
    /// The first byte is neither a type digit `0`–`6` nor the binary prefix `b`.
    case unknownPacketType(UInt8)
    /// A `b`-prefixed packet whose rest is not padded standard base64.
    case invalidBase64
    /// A polling body holding more packets than the caller allows.
    case tooManyPackets(limit: Int)
}
