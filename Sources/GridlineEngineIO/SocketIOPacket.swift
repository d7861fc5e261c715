/// One Socket.IO v5 packet, as carried in the payload of an Engine.IO `message` packet:
/// `<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]` (protocol README, "Format").
///
/// Decoding checks the JSON and its shape for the type but does not build it: `data` and
/// `arguments` are slices of the input, for the server's own JSON parser.
public struct SocketIOPacket: Sendable, Equatable {
    /// socket.io-parser's default `maxAttachments`.
    public static let maxAttachments = 10
    /// `Number.MAX_SAFE_INTEGER`: larger ids cannot come from a JavaScript peer exactly.
    public static let maxAckID: UInt64 = (1 << 53) - 1
    /// The names socket.io-parser refuses as event names (`RESERVED_EVENTS`).
    public static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    public var type: SocketIOPacketType
    /// `/` unless the packet names another (`/admin,`).
    public var namespace: String
    /// How many binary attachments follow (BINARY_EVENT, BINARY_ACK); 0 for every other type.
    /// A server that refuses binary packets must also drop that many following binary messages.
    public var attachments: Int
    public var ackID: UInt64?
    /// The JSON data, whitespace-trimmed; empty when the packet has none.
    public var data: ArraySlice<UInt8>
    /// EVENT and BINARY_EVENT: the first array element, decoded.
    public var eventName: String?
    /// EVENT and BINARY_EVENT: the raw JSON of each element after the name.
    /// ACK and BINARY_ACK: the raw JSON of each element. Empty for other types.
    public var arguments: [ArraySlice<UInt8>]

    public init(
        type: SocketIOPacketType, namespace: String = "/", attachments: Int = 0, ackID: UInt64? = nil,
        data: ArraySlice<UInt8> = [], eventName: String? = nil, arguments: [ArraySlice<UInt8>] = []
    ) {
        self.type = type
        self.namespace = namespace
        self.attachments = attachments
        self.ackID = ackID
        self.data = data
        self.eventName = eventName
        self.arguments = arguments
    }

    /// The raw JSON of the first argument of an event (the second array element), if any.
    public var firstArgument: ArraySlice<UInt8>? { arguments.first }

    public var isDefaultNamespace: Bool { namespace == "/" }

    /// Decodes one packet (the bytes after the Engine.IO `4`), following socket.io-parser's
    /// `Decoder.decodeString` and `isPayloadValid`.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(SocketIOError) -> SocketIOPacket {
        guard let first = bytes.first else { throw .emptyPacket }
        guard let type = SocketIOPacketType(wireDigit: first) else { throw .unknownPacketType(first) }
        var index = bytes.startIndex + 1
        let end = bytes.endIndex

        var attachments = 0
        if type.isBinary {
            let digitsStart = index
            var count = 0
            while index < end, JSONScanner.isDigit(bytes[index]) {
                // Past the limit the exact count no longer matters; stop it growing.
                if count <= maxAttachments { count = count * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                index += 1
            }
            guard index > digitsStart, index < end, bytes[index] == UInt8(ascii: "-") else { throw .invalidAttachments }
            guard count <= maxAttachments else { throw .tooManyAttachments(count) }
            attachments = count
            index += 1
        }

        var namespace = "/"
        if index < end, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < end, bytes[index] != UInt8(ascii: ",") { index += 1 }
            namespace = String(decoding: bytes[start..<index], as: UTF8.self)
            if index < end { index += 1 }
        }

        var ackID: UInt64?
        if index < end, JSONScanner.isDigit(bytes[index]) {
            var id: UInt64 = 0
            while index < end, JSONScanner.isDigit(bytes[index]) {
                id = id * 10 + UInt64(bytes[index] - UInt8(ascii: "0"))
                guard id <= maxAckID else { throw .invalidAckID }
                index += 1
            }
            ackID = id
        }

        var packet = SocketIOPacket(type: type, namespace: namespace, attachments: attachments, ackID: ackID)
        let rest = bytes[index..<end]
        if !rest.isEmpty {
            do {
                packet.data = try JSONDocument.value(rest)
            } catch .tooDeep {
                throw .nestingTooDeep
            } catch {
                throw .malformedJSON
            }
        }
        try packet.checkShapeAndSplit()
        return packet
    }

    public static func decode(_ bytes: [UInt8]) throws(SocketIOError) -> SocketIOPacket {
        try decode(bytes[...])
    }

    private mutating func checkShapeAndSplit() throws(SocketIOError) {
        let kind = JSONDocument.kind(of: data)
        switch type {
        case .connect:
            guard kind == nil || kind == UInt8(ascii: "{") else { throw .invalidPayload }
        case .disconnect:
            guard kind == nil else { throw .invalidPayload }
        case .connectError:
            guard kind == UInt8(ascii: "{") || kind == UInt8(ascii: "\"") else { throw .invalidPayload }
        case .event, .binaryEvent:
            guard kind == UInt8(ascii: "[") else { throw .invalidPayload }
            var elements = JSONDocument.arrayElements(data)
            guard let nameJSON = elements.first else { throw .invalidPayload }
            guard nameJSON.first == UInt8(ascii: "\"") else { throw .eventNameNotString }
            guard let name = JSONDocument.string(nameJSON) else { throw .invalidEventName }
            guard !Self.reservedEventNames.contains(name) else { throw .reservedEventName(name) }
            elements.removeFirst()
            eventName = name
            arguments = elements
        case .ack, .binaryAck:
            guard kind == UInt8(ascii: "[") else { throw .invalidPayload }
            arguments = JSONDocument.arrayElements(data)
        }
    }
}
