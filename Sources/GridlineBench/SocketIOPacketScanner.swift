/// Engine.IO v4 / Socket.IO v5 text packets as the bench reads them, in place: the kind of a
/// packet and the byte ranges of an event's name and first argument, with no allocation (a
/// Socket.IO fan-out delivers as many packets a second as the raw WebSocket one).
///
/// Engine.IO: one digit, then the payload (`0{…}` open, `1` close, `2`/`3` ping/pong, `4…`
/// message, `6` noop); a polling body joins packets with `\u{1e}`. Socket.IO inside a message:
/// one digit for the type, an optional `/namespace,`, an optional ack id, then a JSON array
/// (`42["name",{…}]`, `43<id>[{…}]`).
enum SocketIOPacketScanner {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    enum Kind: Equatable {
        /// `0{…}`: the session's open packet; `object` is its JSON.
        case open(object: Range<Int>)
        case close
        case ping
        case pong
        case noop
        /// `40…`: the Socket.IO CONNECT answer.
        case connect
        /// `41`: the server disconnected the Socket.IO session.
        case disconnect
        /// `42[<id>]["name",arg…]`; `name` without its quotes. `arguments` runs from the first
        /// argument to the packet's end (empty without one): the first argument is not walked to
        /// its end, which the hot path does not need.
        case event(ackID: UInt64?, name: Range<Int>, arguments: Range<Int>)
        /// `43<id>[arg…]`: the answer to an event we sent with ack id `id`; `arguments` as above.
        case ack(id: UInt64, arguments: Range<Int>)
        /// `44{…}`: CONNECT refused.
        case connectError
        /// Anything else (upgrade packets, binary events, malformed text).
        case other
    }

    static let separator: UInt8 = 0x1E

    /// Calls `body` with each packet's range in a long-polling body (never an empty one).
    static func forEachPacket(in bytes: Bytes, _ body: (Range<Int>) -> Void) {
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == separator {
            if index > start { body(start..<index) }
            start = index + 1
        }
    }

    static func classify(_ bytes: Bytes, _ packet: Range<Int>) -> Kind {
        guard let first = packet.first.map({ bytes[$0] }) else { return .other }
        switch first {
        case UInt8(ascii: "0"): return .open(object: (packet.lowerBound + 1)..<packet.upperBound)
        case UInt8(ascii: "1"): return .close
        case UInt8(ascii: "2"): return .ping
        case UInt8(ascii: "3"): return .pong
        case UInt8(ascii: "6"): return .noop
        case UInt8(ascii: "4"): return message(bytes, (packet.lowerBound + 1)..<packet.upperBound)
        default: return .other
        }
    }

    private static func message(_ bytes: Bytes, _ packet: Range<Int>) -> Kind {
        guard let first = packet.first.map({ bytes[$0] }) else { return .other }
        switch first {
        case UInt8(ascii: "0"): return .connect
        case UInt8(ascii: "1"): return .disconnect
        case UInt8(ascii: "4"): return .connectError
        case UInt8(ascii: "2"), UInt8(ascii: "3"):
            var index = packet.lowerBound + 1
            // A namespace other than `/` comes first, up to its comma.
            if index < packet.upperBound, bytes[index] == UInt8(ascii: "/") {
                while index < packet.upperBound, bytes[index] != UInt8(ascii: ",") { index += 1 }
                index += 1
            }
            var id: UInt64?
            while index < packet.upperBound, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                let (times, overflow1) = (id ?? 0).multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return .other }
                id = plus
                index += 1
            }
            guard index < packet.upperBound, bytes[index] == UInt8(ascii: "[") else { return .other }
            let inside = skipSpace(bytes, index + 1, packet.upperBound)
            if first == UInt8(ascii: "3") {
                guard let id else { return .other }
                return .ack(id: id, arguments: inside..<packet.upperBound)
            }
            guard inside < packet.upperBound, bytes[inside] == UInt8(ascii: "\""),
                  let nameEnd = JSONFieldScanner.skipString(bytes, inside, packet.upperBound) else { return .other }
            var rest = skipSpace(bytes, nameEnd, packet.upperBound)
            if rest < packet.upperBound, bytes[rest] == UInt8(ascii: ",") {
                rest = skipSpace(bytes, rest + 1, packet.upperBound)
            } else {
                rest = packet.upperBound
            }
            return .event(ackID: id, name: (inside + 1)..<(nameEnd - 1), arguments: rest..<packet.upperBound)
        default:
            return .other
        }
    }

    private static func skipSpace(_ bytes: Bytes, _ start: Int, _ end: Int) -> Int {
        var index = start
        while index < end, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
        return index
    }
}
