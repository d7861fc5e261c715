import Foundation
import GridlineTestSupport

/// The end-to-end tests talk to their Redis too (CLIENT KILL, CONFIG SET): a tiny synchronous
/// RESP client over `RawSocket`.
extension RedisServerProcess {
    /// One command on a fresh connection, its reply parsed; `timeout` bounds the whole exchange.
    @discardableResult
    func command(_ arguments: [String], timeout: TimeInterval = 5) throws -> RedisReply {
        let socket = try RawSocket(port: port)
        defer { socket.close() }
        var request = "*\(arguments.count)\r\n"
        for argument in arguments { request += "$\(argument.utf8.count)\r\n\(argument)\r\n" }
        socket.send(request)
        let bytes = socket.receive(until: { RedisReply.parse($0) != nil }, timeout: timeout)
        guard let (reply, _) = RedisReply.parse(bytes) else { throw RedisCommandError.noReply(arguments.first ?? "") }
        return reply
    }
}

enum RedisCommandError: Error {
    case noReply(String)
}

/// One RESP2 reply, as far as tests need it.
indirect enum RedisReply: Equatable {
    case simple(String)
    case error(String)
    case integer(Int)
    case bulk(String?)
    case array([RedisReply]?)

    /// The reply as text (simple, bulk or integer), nil otherwise.
    var text: String? {
        switch self {
        case .simple(let text): return text
        case .bulk(let text): return text
        case .integer(let value): return String(value)
        default: return nil
        }
    }

    /// Parses one reply from the front of `bytes`; nil until it is complete. Returns the bytes used.
    static func parse(_ bytes: [UInt8], from start: Int = 0) -> (RedisReply, Int)? {
        guard start < bytes.count else { return nil }
        guard let lineEnd = lineEnd(bytes, from: start + 1) else { return nil }
        let line = String(decoding: bytes[(start + 1)..<lineEnd], as: UTF8.self)
        let next = lineEnd + 2
        switch bytes[start] {
        case UInt8(ascii: "+"): return (.simple(line), next)
        case UInt8(ascii: "-"): return (.error(line), next)
        case UInt8(ascii: ":"): return Int(line).map { (.integer($0), next) }
        case UInt8(ascii: "$"):
            guard let length = Int(line) else { return nil }
            if length < 0 { return (.bulk(nil), next) }
            guard bytes.count >= next + length + 2 else { return nil }
            return (.bulk(String(decoding: bytes[next..<(next + length)], as: UTF8.self)), next + length + 2)
        case UInt8(ascii: "*"):
            guard let count = Int(line) else { return nil }
            if count < 0 { return (.array(nil), next) }
            var items: [RedisReply] = []
            var offset = next
            for _ in 0..<count {
                guard let (item, used) = parse(bytes, from: offset) else { return nil }
                items.append(item)
                offset = used
            }
            return (.array(items), offset)
        default: return nil
        }
    }

    private static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}
