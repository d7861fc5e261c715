/// Why bytes could not be read as a Socket.IO packet. socket.io answers every one by closing the
/// underlying Engine.IO connection (`Client.ondata` → `onerror` → `conn.close()`).
public enum SocketIOError: Error, Sendable, Equatable {
    /// No bytes: not even a type digit.
    case emptyPacket
    /// The first byte is not a type digit `0`–`6`.
    case unknownPacketType(UInt8)
    /// A binary packet whose attachment count is not digits followed by `-` ("Illegal attachments").
    case invalidAttachments
    /// More attachments than socket.io-parser's default `maxAttachments` (10).
    case tooManyAttachments(Int)
    /// An acknowledgement id past 2^53 − 1, which no JavaScript peer can send exactly.
    case invalidAckID
    /// The data is not one well-formed JSON value.
    case malformedJSON
    /// The data nests arrays or objects deeper than the scanner follows.
    case nestingTooDeep
    /// Well-formed JSON of the wrong shape for the packet type, or missing where it is mandatory
    /// (socket.io-parser's "invalid payload"): CONNECT takes an object or nothing, DISCONNECT
    /// nothing, CONNECT_ERROR a string or an object, EVENT a non-empty array, ACK an array.
    case invalidPayload
    /// An EVENT whose first element is not a JSON string (numbers are legal in socket.io, but
    /// every Gridline event is named).
    case eventNameNotString
    /// An event name that is no Unicode text: a lone surrogate escape or bytes that are not UTF-8.
    case invalidEventName
    /// A name socket.io reserves (`connect`, `connect_error`, `disconnect`, `disconnecting`,
    /// `newListener`, `removeListener`).
    case reservedEventName(String)
}
