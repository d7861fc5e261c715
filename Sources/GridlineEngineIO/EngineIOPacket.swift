/// One Engine.IO v4 packet: a type and its payload bytes.
///
/// Text packets carry the bytes after the type digit (`4hello` → `.message`, `hello`). A binary
/// packet is always a `.message` with `isBinary` set; its payload is the raw bytes, which travel
/// as a binary WebSocket frame or, in a polling payload, as `b` + base64 (protocol README,
/// "Packet encoding"). Decoding slices the input, so a text payload is never copied.
public struct EngineIOPacket: Sendable, Equatable {
    public var type: EngineIOPacketType
    public var payload: ArraySlice<UInt8>
    public var isBinary: Bool

    public init(type: EngineIOPacketType, payload: ArraySlice<UInt8> = [], isBinary: Bool = false) {
        self.type = type
        self.payload = payload
        self.isBinary = isBinary
    }

    public init(type: EngineIOPacketType, payload: [UInt8], isBinary: Bool = false) {
        self.init(type: type, payload: payload[...], isBinary: isBinary)
    }

    /// A binary message carrying `bytes` unchanged.
    public static func binary(_ bytes: [UInt8]) -> EngineIOPacket {
        EngineIOPacket(type: .message, payload: bytes[...], isBinary: true)
    }

    /// `2probe`, the client's first packet on an upgrading WebSocket.
    public var isProbePing: Bool { type == .ping && !isBinary && payload.elementsEqual(Self.probe) }

    /// `3probe`, the server's answer to a probe ping.
    public static let probePong = EngineIOPacket(type: .pong, payload: probe[...])

    @usableFromInline static let probe: [UInt8] = Array("probe".utf8)

    // MARK: Decoding

    /// Decodes one text packet: a WebSocket text frame, or one record of a polling payload.
    /// A `b` prefix means base64 binary, whatever the transport (engine.io-parser does the same).
    public static func decode(text bytes: ArraySlice<UInt8>) throws(EngineIOError) -> EngineIOPacket {
        guard let first = bytes.first else { throw .emptyPacket }
        let rest = bytes[(bytes.startIndex + 1)...]
        if first == UInt8(ascii: "b") {
            guard let decoded = Base64Codec.decode(rest) else { throw .invalidBase64 }
            return EngineIOPacket(type: .message, payload: decoded[...], isBinary: true)
        }
        guard let type = EngineIOPacketType(wireDigit: first) else { throw .unknownPacketType(first) }
        return EngineIOPacket(type: type, payload: rest)
    }

    public static func decode(text bytes: [UInt8]) throws(EngineIOError) -> EngineIOPacket {
        try decode(text: bytes[...])
    }

    /// A binary WebSocket frame is a message whose payload is the whole frame: there is no type byte.
    public static func decode(binaryFrame bytes: ArraySlice<UInt8>) -> EngineIOPacket {
        EngineIOPacket(type: .message, payload: bytes, isBinary: true)
    }

    // MARK: Encoding

    /// Appends the packet as one record of a polling payload: text as is, binary as `b` + base64.
    public func encodeForPolling(into out: inout [UInt8]) {
        if isBinary {
            out.append(UInt8(ascii: "b"))
            Base64Codec.encode(payload, into: &out)
        } else {
            out.append(type.wireDigit)
            out.append(contentsOf: payload)
        }
    }

    /// Appends the packet as the payload of one WebSocket frame. Binary packets are the raw bytes
    /// and must go out in a binary frame (see `isBinary`); text packets in a text frame.
    public func encodeForWebSocket(into out: inout [UInt8]) {
        if !isBinary { out.append(type.wireDigit) }
        out.append(contentsOf: payload)
    }
}
