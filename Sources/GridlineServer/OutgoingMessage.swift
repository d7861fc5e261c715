import GridlineJSON
import GridlineLoop
import GridlineWebSocket

/// Builds server messages (SPEC §4: a `type`, the fields, `request_id` when answering one, and a
/// `timestamp`) straight into a text frame. A broadcast builds its chunk once; every recipient
/// queues the same bytes.
public enum OutgoingMessage {
    public static func frame(_ type: String, _ fields: [(String, JSONValue)], requestID: String? = nil) -> ByteChunk {
        var object = JSONObject([("type", .string(type))])
        object.members.append(contentsOf: fields)
        if let requestID { object.members.append(("request_id", .string(requestID))) }
        object.members.append(("timestamp", .string(Timestamp.iso8601Now())))
        return textFrame(object.serialized())
    }

    public static func error(_ error: MessageError, requestID: String?) -> ByteChunk {
        var fields: [(String, JSONValue)] = [
            ("code", .string(error.code.rawValue)), ("error", .string(error.text)),
            ("recoverable", .bool(error.recoverable)),
        ]
        fields.append(contentsOf: error.extra)
        return frame("error", fields, requestID: requestID)
    }

    public static func textFrame(_ payload: [UInt8]) -> ByteChunk {
        var bytes: [UInt8] = []
        FrameEncoder.encode(opcode: .text, payload: payload, into: &bytes)
        return ByteChunk(bytes)
    }
}
