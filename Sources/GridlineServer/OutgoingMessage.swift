import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// The wire formats a server message travels in. Each is encoded at most once per message.
enum WireFormat {
    /// An RFC 6455 text frame holding the JSON object (`/api/v1/ws`).
    case webSocketText
}

/// A server message (SPEC §4: a `type`, the fields, `request_id` when answering one, and a
/// `timestamp`), built once as JSON and encoded lazily, at most once per wire format: a
/// broadcast costs one encoding per transport kind among its recipients, not one per recipient.
/// Loop thread only (the encodings are cached in place).
final class OutgoingMessage {
    let type: String
    let requestID: String?
    let json: [UInt8]
    private var webSocketText: ByteChunk?

    init(type: String, json: [UInt8], requestID: String? = nil) {
        self.type = type
        self.json = json
        self.requestID = requestID
    }

    convenience init(_ type: String, _ fields: [(String, JSONValue)], requestID: String? = nil) {
        var object = JSONObject([("type", .string(type))])
        object.members.append(contentsOf: fields)
        if let requestID { object.members.append(("request_id", .string(requestID))) }
        object.members.append(("timestamp", .string(Timestamp.iso8601Now())))
        self.init(type: type, json: object.serialized(), requestID: requestID)
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
        }
    }
}
