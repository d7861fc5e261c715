/// Why bytes from a server are not RESP. Any of these ends the connection: after garbage
/// there is no way to find where the next reply starts.
public enum RESPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first byte of a value is no RESP type marker.
    case unknownType(UInt8)
    /// A length or integer line is not a decimal number (or is out of range).
    case invalidNumber(String)
    /// A bulk string is longer than the limit (512 MB by default, Redis's proto-max-bulk-len).
    case bulkTooLong(Int)
    /// An aggregate announces more elements than the limit.
    case aggregateTooLong(Int)
    /// Aggregates nested deeper than the limit.
    case nestingTooDeep(Int)
    /// A line (simple string, error, number) has no CRLF within the limit.
    case lineTooLong
    /// A bulk payload or line is not followed by CRLF, or a line holds a bare CR.
    case missingCRLF
    /// A boolean other than `#t`/`#f`, or a verbatim string without its `xxx:` format.
    case malformed(String)

    public var description: String {
        switch self {
        case .unknownType(let byte): return "RESP: unknown type byte 0x\(String(byte, radix: 16))"
        case .invalidNumber(let text): return "RESP: invalid number \"\(text)\""
        case .bulkTooLong(let length): return "RESP: bulk string of \(length) bytes exceeds the limit"
        case .aggregateTooLong(let count): return "RESP: aggregate of \(count) elements exceeds the limit"
        case .nestingTooDeep(let depth): return "RESP: nesting deeper than \(depth)"
        case .lineTooLong: return "RESP: line without CRLF exceeds the limit"
        case .missingCRLF: return "RESP: expected CRLF"
        case .malformed(let what): return "RESP: malformed \(what)"
        }
    }
}
