/// Why a session closed, spelled as engine.io's `Socket.onClose` reasons.
public enum EngineIOCloseReason: String, Sendable, Equatable {
    case pingTimeout = "ping timeout"
    /// Bytes that are not Engine.IO packets.
    case parseError = "parse error"
    /// A protocol violation: a second concurrent GET or POST, a client ping in v4.
    case transportError = "transport error"
    /// The client sent `1`, or its transport went away.
    case transportClose = "transport close"
    /// The server closed it.
    case serverClose = "server close"
}
