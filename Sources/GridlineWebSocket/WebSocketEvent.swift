/// One thing a peer said, as the decoder hands it up: a whole data message (all fragments
/// joined, §5.4) or one control frame (§5.5).
public enum WebSocketEvent: Sendable, Equatable {
    /// A complete text message whose bytes are already known to be valid UTF-8 (§8.1).
    case text([UInt8])
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    /// `code` is nil when the close frame had no body (§5.5.1); the reason is valid UTF-8.
    case close(code: UInt16?, reason: String)
}
