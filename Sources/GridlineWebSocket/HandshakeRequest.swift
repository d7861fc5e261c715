/// What the opening handshake (RFC 6455 §4.2.1) asked for, once it has been found valid.
public struct HandshakeRequest: Sendable, Equatable {
    /// The `Sec-WebSocket-Key` value as sent, trimmed; feed it to `acceptValue(forKey:)`.
    public var key: String
    /// `Sec-WebSocket-Protocol` tokens in the client's order of preference, from every
    /// header line (§4.2.1 item 8, §11.3.4).
    public var subprotocols: [String]
    /// `Origin`, when a browser sent it (§4.2.1 item 7, §10.2); the server decides policy.
    public var origin: String?

    public init(key: String, subprotocols: [String], origin: String?) {
        self.key = key
        self.subprotocols = subprotocols
        self.origin = origin
    }
}
