import GridlineEngineIO
import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// The wire formats a server message travels in. Each is encoded at most once per message.
enum WireFormat {
    /// An RFC 6455 text frame holding the JSON object (`/api/v1/ws`).
    case webSocketText
    /// A Socket.IO event as one Engine.IO packet, `42["type",{…},"offset"]`, for a long-poll body.
    case socketIOPacket
    /// The same packet in an RFC 6455 text frame.
    case socketIOFrame
}

/// A server message (SPEC §4: a `type`, the fields, `request_id` when answering one, and a
/// `timestamp`), built once as JSON and encoded lazily, at most once per wire format: a
/// broadcast costs one encoding per transport kind among its recipients, not one per recipient.
/// Loop thread only (the encodings are cached in place).
final class OutgoingMessage {
    let type: String
    let requestID: String?
    let json: [UInt8]
    /// For a reply that also goes to others (an edit's `cell_updated` reaches the whole room):
    /// the session that asked. Only it may take the message as the answer to a Socket.IO ack,
    /// whatever `request_id` other clients chose.
    var requester: UInt64?
    /// Where the message stands in the server's order of messages: the offset a Socket.IO
    /// client hands back to recover what it missed (SPEC §12).
    let offset: UInt64
    private var webSocketText: ByteChunk?
    private var socketIOPacket: ByteChunk?
    private var socketIOFrame: ByteChunk?

    /// Loop thread only, like every message.
    nonisolated(unsafe) private static var nextOffset: UInt64 = 1

    init(type: String, json: [UInt8], requestID: String? = nil) {
        self.type = type
        self.json = json
        self.requestID = requestID
        offset = Self.nextOffset
        Self.nextOffset += 1
    }

    convenience init(_ type: String, _ fields: [(String, JSONValue)], requestID: String? = nil) {
        var object = JSONObject([("type", .string(type))])
        object.members.append(contentsOf: fields)
        if let requestID { object.members.append(("request_id", .string(requestID))) }
        object.members.append(("timestamp", .string(Timestamp.iso8601Now())))
        self.init(type: type, json: object.serialized(), requestID: requestID)
    }

    /// The same message with one more member, `key`, whose value `writeValue` appends as JSON
    /// text (a large array written straight into bytes), after `fields`.
    convenience init(
        _ type: String, _ fields: [(String, JSONValue)], then key: String, writeValue: (inout [UInt8]) -> Void,
        requestID: String? = nil
    ) {
        var json: [UInt8] = []
        JSONWriter.appendLiteral("{\"type\":", to: &json)
        JSONWriter.appendString(type, to: &json)
        for (name, value) in fields {
            json.append(UInt8(ascii: ","))
            JSONWriter.appendString(name, to: &json)
            json.append(UInt8(ascii: ":"))
            value.serialize(into: &json)
        }
        json.append(UInt8(ascii: ","))
        JSONWriter.appendString(key, to: &json)
        json.append(UInt8(ascii: ":"))
        writeValue(&json)
        if let requestID {
            JSONWriter.appendLiteral(",\"request_id\":", to: &json)
            JSONWriter.appendString(requestID, to: &json)
        }
        JSONWriter.appendLiteral(",\"timestamp\":", to: &json)
        JSONWriter.appendString(Timestamp.iso8601Now(), to: &json)
        json.append(UInt8(ascii: "}"))
        self.init(type: type, json: json, requestID: requestID)
    }

    static func error(_ error: MessageError, requestID: String?) -> OutgoingMessage {
        var fields: [(String, JSONValue)] = [
            ("code", .string(error.code.rawValue)), ("error", .string(error.text)),
            ("recoverable", .bool(error.recoverable)),
        ]
        fields.append(contentsOf: error.extra)
        return OutgoingMessage("error", fields, requestID: requestID)
    }

    /// The bytes to queue for a transport speaking `format`.
    func encoded(_ format: WireFormat) -> ByteChunk {
        switch format {
        case .webSocketText:
            if let webSocketText { return webSocketText }
            var bytes: [UInt8] = []
            FrameEncoder.encode(opcode: .text, payload: json, into: &bytes)
            let chunk = ByteChunk(bytes)
            webSocketText = chunk
            return chunk
        case .socketIOPacket:
            if let socketIOPacket { return socketIOPacket }
            let chunk = ByteChunk(socketIOEvent())
            socketIOPacket = chunk
            return chunk
        case .socketIOFrame:
            if let socketIOFrame { return socketIOFrame }
            var bytes: [UInt8] = []
            // The packet is encoded once, whichever Socket.IO transports the recipients use.
            FrameEncoder.encode(opcode: .text, payload: Array(encoded(.socketIOPacket).bytes), into: &bytes)
            let chunk = ByteChunk(bytes)
            socketIOFrame = chunk
            return chunk
        }
    }

    /// Events are named by their `type`, with the whole message as the argument (SPEC §12).
    private func socketIOEvent() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(json.count + type.utf8.count + 32)
        SocketIOPacket.encodeEvent(name: type, argumentJSON: json, offset: String(offset), into: &bytes)
        return bytes
    }

    /// `43<id>[{…}]`: the message as the answer to a client's event that asked for one.
    func socketIOAck(_ ackID: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(json.count + 24)
        SocketIOPacket.encodeAck(id: ackID, argumentJSON: json, into: &bytes)
        return bytes
    }
}
