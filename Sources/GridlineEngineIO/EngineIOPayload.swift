/// HTTP long-polling bodies: packets joined by the record separator `\x1e` (protocol README,
/// "Packet encoding / HTTP long-polling"). The protocol assumes the separator never appears inside
/// a packet; text JSON cannot hold a raw 0x1E (control characters are escaped) and base64 has none.
public enum EngineIOPayload {
    /// The record separator between packets.
    public static let separator: UInt8 = 0x1E

    /// Splits a POST body into packets in one pass; every text payload is a slice of `body`.
    /// An empty body is an error (it holds one empty packet), as it is for engine.io-parser.
    /// One bad packet fails the whole body: engine.io delivers the packets before it and then
    /// closes the session, and refusing them all is the simpler contract for a session that closes.
    /// - Parameter maxPackets: refuse a body holding more packets than this (python-engineio caps
    ///   at 16 by default; the server also caps the body's bytes at maxPayload).
    public static func decode(
        _ body: ArraySlice<UInt8>, maxPackets: Int = .max
    ) throws(EngineIOError) -> [EngineIOPacket] {
        var packets: [EngineIOPacket] = []
        var start = body.startIndex
        var index = body.startIndex
        while true {
            if index == body.endIndex || body[index] == separator {
                guard packets.count < maxPackets else { throw .tooManyPackets(limit: maxPackets) }
                packets.append(try EngineIOPacket.decode(text: body[start..<index]))
                if index == body.endIndex { break }
                start = index + 1
            }
            index += 1
        }
        return packets
    }

    public static func decode(_ body: [UInt8], maxPackets: Int = .max) throws(EngineIOError) -> [EngineIOPacket] {
        try decode(body[...], maxPackets: maxPackets)
    }

    /// Appends `packets` as one polling response body.
    public static func encode(_ packets: [EngineIOPacket], into out: inout [UInt8]) {
        for (position, packet) in packets.enumerated() {
            if position > 0 { out.append(separator) }
            packet.encodeForPolling(into: &out)
        }
    }

    /// Appends one already-encoded text packet (such as a shared `42[…]` broadcast) to a body
    /// being built, with the separator when the body already holds a packet.
    public static func appendEncodedPacket<Bytes: Collection<UInt8>>(_ packet: Bytes, into body: inout [UInt8]) {
        if !body.isEmpty { body.append(separator) }
        body.append(contentsOf: packet)
    }
}
