/// Encoders for the packets the server sends. Each appends a whole Engine.IO `message` packet
/// (`4` + the Socket.IO packet), ready to be one WebSocket text frame or one polling record, so a
/// broadcast is encoded once per format and its bytes shared. Argument JSON is copied in as given:
/// the caller guarantees it is one well-formed JSON value.
extension SocketIOPacket {
    /// `42["name",<argument>]`, or `42<ackID>["name",<argument>]` when the event expects an ack.
    public static func encodeEvent<Argument: Collection<UInt8>>(
        name: String, argumentJSON: Argument, ackID: UInt64? = nil, into out: inout [UInt8]
    ) {
        appendHeader(.event, namespace: "/", ackID: ackID, into: &out)
        out.append(UInt8(ascii: "["))
        JSONWriter.appendString(name, into: &out)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: argumentJSON)
        out.append(UInt8(ascii: "]"))
    }

    /// `42["name"]`: an event without arguments.
    public static func encodeEvent(name: String, ackID: UInt64? = nil, into out: inout [UInt8]) {
        appendHeader(.event, namespace: "/", ackID: ackID, into: &out)
        out.append(UInt8(ascii: "["))
        JSONWriter.appendString(name, into: &out)
        out.append(UInt8(ascii: "]"))
    }

    /// `42["name",<argument>,"<offset>"]`: an event under connection state recovery, whose last
    /// argument is the offset the client hands back in its next CONNECT (socket.io's
    /// `SessionAwareAdapter.broadcast` appends it the same way). Such events never carry an ack id.
    public static func encodeEvent<Argument: Collection<UInt8>>(
        name: String, argumentJSON: Argument, offset: String, into out: inout [UInt8]
    ) {
        appendHeader(.event, namespace: "/", ackID: nil, into: &out)
        out.append(UInt8(ascii: "["))
        JSONWriter.appendString(name, into: &out)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: argumentJSON)
        out.append(UInt8(ascii: ","))
        JSONWriter.appendString(offset, into: &out)
        out.append(UInt8(ascii: "]"))
    }

    /// `43<id>[<argument>]`: the answer to a client's event that asked for one.
    public static func encodeAck<Argument: Collection<UInt8>>(
        id: UInt64, argumentJSON: Argument, into out: inout [UInt8]
    ) {
        appendHeader(.ack, namespace: "/", ackID: id, into: &out)
        out.append(UInt8(ascii: "["))
        out.append(contentsOf: argumentJSON)
        out.append(UInt8(ascii: "]"))
    }

    /// `43<id>[]`: an ack without arguments.
    public static func encodeAck(id: UInt64, into out: inout [UInt8]) {
        appendHeader(.ack, namespace: "/", ackID: id, into: &out)
        out.append(contentsOf: "[]".utf8)
    }

    /// `40{"sid":"…"}`, or `40{"sid":"…","pid":"…"}` when connection state recovery is on.
    public static func encodeConnect(sid: String, pid: String? = nil, into out: inout [UInt8]) {
        appendHeader(.connect, namespace: "/", ackID: nil, into: &out)
        out.append(contentsOf: #"{"sid":"#.utf8)
        JSONWriter.appendString(sid, into: &out)
        if let pid {
            out.append(contentsOf: #","pid":"#.utf8)
            JSONWriter.appendString(pid, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `44{"message":"…","data":<data>}` (without `data` when nil). A refusal of another namespace
    /// must name it (`44/admin,{"message":"Invalid namespace"}`, as socket.io's `Client.connect`
    /// sends it), or the client never matches the answer to its CONNECT.
    public static func encodeConnectError(
        message: String, dataJSON: [UInt8]? = nil, namespace: String = "/", into out: inout [UInt8]
    ) {
        appendHeader(.connectError, namespace: namespace, ackID: nil, into: &out)
        out.append(contentsOf: #"{"message":"#.utf8)
        JSONWriter.appendString(message, into: &out)
        if let dataJSON {
            out.append(contentsOf: #","data":"#.utf8)
            out.append(contentsOf: dataJSON)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `41`: the server ends the client's connection to the namespace.
    public static func encodeDisconnect(namespace: String = "/", into out: inout [UInt8]) {
        appendHeader(.disconnect, namespace: namespace, ackID: nil, into: &out)
    }

    /// Appends this packet as a whole Engine.IO message, as socket.io-parser's `encodeAsString`
    /// writes it (a binary type's attachments are written but not sent; this is for tests and
    /// for packets built by hand).
    public func encode(into out: inout [UInt8]) {
        out.append(EngineIOPacketType.message.wireDigit)
        out.append(type.wireDigit)
        if type.isBinary {
            JSONWriter.appendInteger(attachments, into: &out)
            out.append(UInt8(ascii: "-"))
        }
        if namespace != "/" {
            out.append(contentsOf: namespace.utf8)
            out.append(UInt8(ascii: ","))
        }
        if let ackID { JSONWriter.appendUnsigned(ackID, into: &out) }
        out.append(contentsOf: data)
    }

    private static func appendHeader(
        _ type: SocketIOPacketType, namespace: String, ackID: UInt64?, into out: inout [UInt8]
    ) {
        out.append(EngineIOPacketType.message.wireDigit)
        out.append(type.wireDigit)
        if namespace != "/" {
            out.append(contentsOf: namespace.utf8)
            out.append(UInt8(ascii: ","))
        }
        if let ackID { JSONWriter.appendUnsigned(ackID, into: &out) }
    }
}
