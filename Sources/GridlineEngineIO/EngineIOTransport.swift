/// The transports a session can use, spelled as the `transport` query parameter spells them.
public enum EngineIOTransport: String, Sendable, CaseIterable {
    case polling
    case websocket

    /// What a session on this transport may upgrade to, as announced in the open packet.
    public var upgrades: [EngineIOTransport] {
        switch self {
        case .polling: return [.websocket]
        case .websocket: return []
        }
    }
}
