/// Decodes whole RESP2/RESP3 values from the front of a byte buffer and leaves the rest, so the
/// caller keeps any partial reply for the next read. Stateless: a value split across reads is
/// parsed again from its start once more bytes arrive (replies are small; a large bulk string
/// only costs its header until it is complete).
///
/// Bounded: lengths, element counts, line lengths and nesting past `Limits` are protocol errors,
/// so a server that answers garbage can never make the client allocate or recurse without end.
public struct RESPDecoder: Sendable {
    /// The bounds a reply must respect.
    public struct Limits: Sendable {
        /// Redis's own `proto-max-bulk-len` default.
        public var maxBulkLength = 512 * 1024 * 1024
        public var maxAggregateCount = 1 << 24
        public var maxDepth = 64
        /// Simple strings, errors and number lines; Redis's inline limit is 64 KB.
        public var maxLineLength = 64 * 1024

        public init() {}
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// One whole value from the front of `bytes` and how many bytes it took; nil while incomplete.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(RESPError) -> (value: RESPValue, consumed: Int)? {
        var cursor = Cursor(bytes: bytes, limits: limits)
        guard let value = try cursor.value(depth: 0) else { return nil }
        return (value, cursor.offset)
    }

    public func decode(_ bytes: [UInt8]) throws(RESPError) -> (value: RESPValue, consumed: Int)? {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(RESPError) in try decode(buffer) } }
        return try result.get()
    }
}

/// A read position in one buffer; every method returns nil when the buffer ends too early.
private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    let limits: RESPDecoder.Limits
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, limits: RESPDecoder.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func value(depth: Int) throws(RESPError) -> RESPValue? {
        guard offset < bytes.count else { return nil }
        let type = bytes[offset]
        offset += 1
        switch type {
        case UInt8(ascii: "+"):
            return try line().map { .simpleString(String(decoding: $0, as: UTF8.self)) }
        case UInt8(ascii: "-"):
            return try line().map { .error(String(decoding: $0, as: UTF8.self)) }
        case UInt8(ascii: ":"):
            return try number().map { .integer($0) }
        case UInt8(ascii: "$"):
            guard let payload = try blob(allowNull: true) else { return nil }
            return payload.map { .bulkString($0) } ?? .null
        case UInt8(ascii: "!"):
            guard let payload = try blob(allowNull: false) else { return nil }
            return .error(String(decoding: payload ?? [], as: UTF8.self))
        case UInt8(ascii: "="):
            guard let payload = try blob(allowNull: false) else { return nil }
            return try verbatim(payload ?? [])
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"):
            guard let elements = try aggregate(depth: depth, pairs: false, allowNull: type == UInt8(ascii: "*")) else {
                return nil
            }
            guard let elements = elements else { return .null }
            if type == UInt8(ascii: "~") { return .set(elements) }
            return type == UInt8(ascii: ">") ? .push(elements) : .array(elements)
        case UInt8(ascii: "%"):
            guard let elements = try aggregate(depth: depth, pairs: true, allowNull: false) else { return nil }
            return .map(Self.pairs(elements ?? []))
        case UInt8(ascii: "|"):
            // RESP3 attributes describe the reply that follows; clients may skip them.
            guard try aggregate(depth: depth, pairs: true, allowNull: false) != nil else { return nil }
            return try value(depth: depth)
        case UInt8(ascii: "_"):
            guard let text = try line() else { return nil }
            guard text.isEmpty else { throw .malformed("null") }
            return .null
        case UInt8(ascii: "#"):
            guard let text = try line() else { return nil }
            guard text.count == 1, text[0] == UInt8(ascii: "t") || text[0] == UInt8(ascii: "f") else {
                throw .malformed("boolean")
            }
            return .boolean(text[0] == UInt8(ascii: "t"))
        case UInt8(ascii: ","):
            guard let text = try line() else { return nil }
            guard let double = Double(String(decoding: text, as: UTF8.self)) else { throw .malformed("double") }
            return .double(double)
        case UInt8(ascii: "("):
            guard let text = try line() else { return nil }
            let digits = text.first == UInt8(ascii: "-") || text.first == UInt8(ascii: "+") ? text.dropFirst() : text[...]
            guard !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw .malformed("big number") }
            return .bigNumber(String(decoding: text, as: UTF8.self))
        default:
            throw .unknownType(type)
        }
    }

    /// The bytes up to the next CRLF, which is consumed too.
    mutating func line() throws(RESPError) -> [UInt8]? {
        let start = offset
        let end = min(bytes.count, start + limits.maxLineLength + 1)
        var index = start
        while index < end {
            if bytes[index] == 13 {
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == 10 else { throw .missingCRLF }
                offset = index + 2
                return Array(bytes[start..<index])
            }
            index += 1
        }
        if end - start > limits.maxLineLength { throw .lineTooLong }
        return nil
    }

    /// A signed decimal line that fits an Int64.
    mutating func number() throws(RESPError) -> Int64? {
        guard let text = try line() else { return nil }
        var index = 0
        var negative = false
        if let sign = text.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            index = 1
        }
        guard index < text.count, text.count - index <= 19 else { throw Self.invalid(text) }
        var value: Int64 = 0
        while index < text.count {
            let digit = text[index]
            guard digit >= 48, digit <= 57 else { throw Self.invalid(text) }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit - 48))
            guard !overflow1, !overflow2 else { throw Self.invalid(text) }
            value = sum
            index += 1
        }
        return negative ? -value : value
    }

    /// A length-prefixed payload followed by CRLF: `.some(nil)` is RESP2's null (`$-1`).
    mutating func blob(allowNull: Bool) throws(RESPError) -> [UInt8]?? {
        guard let length = try number() else { return nil }
        if length == -1, allowNull { return .some(nil) }
        guard length >= 0 else { throw .invalidNumber(String(length)) }
        guard length <= Int64(limits.maxBulkLength) else { throw .bulkTooLong(Int(clamping: length)) }
        let count = Int(length)
        guard bytes.count - offset >= count + 2 else { return nil }
        guard bytes[offset + count] == 13, bytes[offset + count + 1] == 10 else { throw .missingCRLF }
        let payload = Array(bytes[offset..<offset + count])
        offset += count + 2
        return .some(payload)
    }

    /// The elements of an aggregate (two per entry for maps): `.some(nil)` is RESP2's null array.
    mutating func aggregate(depth: Int, pairs: Bool, allowNull: Bool) throws(RESPError) -> [RESPValue]?? {
        guard depth + 1 <= limits.maxDepth else { throw .nestingTooDeep(limits.maxDepth) }
        guard let announced = try number() else { return nil }
        if announced == -1, allowNull { return .some(nil) }
        guard announced >= 0 else { throw .invalidNumber(String(announced)) }
        guard announced <= Int64(limits.maxAggregateCount) else { throw .aggregateTooLong(Int(clamping: announced)) }
        let count = Int(announced) * (pairs ? 2 : 1)
        var elements: [RESPValue] = []
        elements.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            guard let element = try value(depth: depth + 1) else { return nil }
            elements.append(element)
        }
        return .some(elements)
    }

    func verbatim(_ payload: [UInt8]) throws(RESPError) -> RESPValue {
        guard payload.count >= 4, payload[3] == UInt8(ascii: ":") else { throw .malformed("verbatim string") }
        return .verbatimString(format: String(decoding: payload[0..<3], as: UTF8.self), text: Array(payload[4...]))
    }

    static func pairs(_ elements: [RESPValue]) -> [RESPPair] {
        stride(from: 0, to: elements.count, by: 2).map { RESPPair(key: elements[$0], value: elements[$0 + 1]) }
    }

    static func invalid(_ text: [UInt8]) -> RESPError {
        .invalidNumber(String(decoding: text.prefix(32), as: UTF8.self))
    }
}
