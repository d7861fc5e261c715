/// A value that can be one argument of a command: sent as a RESP bulk string.
public protocol RESPArgument {
    /// Appends `$<length>\r\n<bytes>\r\n`.
    func appendBulkString(to buffer: inout [UInt8])
}

/// Encodes commands the way every Redis client sends them: a RESP array of bulk strings.
public enum RESPCommandEncoder {
    /// Appends one command, e.g. `["SET", key, value, "NX", "PX", 5000]`.
    public static func encode(_ arguments: [any RESPArgument], into buffer: inout [UInt8]) {
        appendHeader(UInt8(ascii: "*"), arguments.count, to: &buffer)
        for argument in arguments { argument.appendBulkString(to: &buffer) }
    }

    /// Appends a type byte, a non-negative decimal and CRLF without going through String.
    static func appendHeader(_ type: UInt8, _ value: Int, to buffer: inout [UInt8]) {
        buffer.append(type)
        appendDecimal(value, to: &buffer)
        buffer.append(13)
        buffer.append(10)
    }

    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            // The magnitude avoids Int.min overflow; a lone digit gets no leading zero ("-1", not "-01").
            if value.magnitude >= 10 { appendDecimal(Int(value.magnitude / 10), to: &buffer) }
            buffer.append(UInt8(48 + value.magnitude % 10))
            return
        }
        if value >= 10 { appendDecimal(value / 10, to: &buffer) }
        buffer.append(UInt8(48 + value % 10))
    }

    static func appendBulk<C: Collection>(_ bytes: C, to buffer: inout [UInt8]) where C.Element == UInt8 {
        appendHeader(UInt8(ascii: "$"), bytes.count, to: &buffer)
        buffer.append(contentsOf: bytes)
        buffer.append(13)
        buffer.append(10)
    }
}

extension String: RESPArgument {
    public func appendBulkString(to buffer: inout [UInt8]) { RESPCommandEncoder.appendBulk(utf8, to: &buffer) }
}

extension Substring: RESPArgument {
    public func appendBulkString(to buffer: inout [UInt8]) { RESPCommandEncoder.appendBulk(utf8, to: &buffer) }
}

extension Array: RESPArgument where Element == UInt8 {
    public func appendBulkString(to buffer: inout [UInt8]) { RESPCommandEncoder.appendBulk(self, to: &buffer) }
}

extension ArraySlice: RESPArgument where Element == UInt8 {
    public func appendBulkString(to buffer: inout [UInt8]) { RESPCommandEncoder.appendBulk(self, to: &buffer) }
}

extension Int: RESPArgument {
    public func appendBulkString(to buffer: inout [UInt8]) {
        var digits: [UInt8] = []
        RESPCommandEncoder.appendDecimal(self, to: &digits)
        RESPCommandEncoder.appendBulk(digits, to: &buffer)
    }
}

extension Int64: RESPArgument {
    public func appendBulkString(to buffer: inout [UInt8]) { Int(self).appendBulkString(to: &buffer) }
}

extension UInt64: RESPArgument {
    public func appendBulkString(to buffer: inout [UInt8]) { RESPCommandEncoder.appendBulk(String(self).utf8, to: &buffer) }
}
