/// Incremental UTF-8 validation (RFC 3629 §4, Unicode Table 3-7) for text messages that
/// arrive in pieces: fragments (RFC 6455 §5.4) and partial TCP reads. Text frames must be
/// checked as they arrive so a bad byte fails the connection at once (§8.1) instead of after
/// the whole message has been buffered.
///
/// The state says what the next byte must look like. Each lead byte that starts a sequence
/// with a restricted second byte gets its own state; that is how overlongs (E0 80–9F,
/// F0 80–8F), surrogates (ED A0–BF) and code points above U+10FFFF (F4 90–BF) are refused.
/// Once a sequence is invalid the validator stays invalid.
public struct UTF8Validator: Sendable {
    private var state: State = .accept

    private enum State: UInt8 {
        case accept
        case expect1        // one continuation byte 80–BF left
        case expect2        // two continuation bytes left
        case expect3        // three continuation bytes left
        case afterE0        // second byte A0–BF, then one more (refuses overlong 3-byte forms)
        case afterED        // second byte 80–9F, then one more (refuses surrogates D800–DFFF)
        case afterF0        // second byte 90–BF, then two more (refuses overlong 4-byte forms)
        case afterF4        // second byte 80–8F, then two more (refuses > U+10FFFF)
        case invalid
    }

    public init() {}

    /// False once an invalid byte has been seen.
    public var isValidSoFar: Bool { state != .invalid }

    /// True when every byte so far forms complete, valid characters.
    public var isComplete: Bool { state == .accept }

    /// Checks the next bytes. Returns false as soon as an invalid byte is seen.
    @discardableResult
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return state != .invalid }
        let count = bytes.count
        var index = 0
        var current = state
        while index < count {
            if current == .accept {
                // ASCII dominates JSON; skip it a word at a time.
                while index &+ 8 <= count {
                    let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    index &+= 8
                }
                while index < count, base.load(fromByteOffset: index, as: UInt8.self) < 0x80 {
                    index &+= 1
                }
                if index == count { break }
            }
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            current = Self.next(current, byte)
            if current == .invalid {
                state = .invalid
                return false
            }
            index &+= 1
        }
        state = current
        return true
    }

    /// Checks the next bytes from any contiguous or non-contiguous collection.
    @discardableResult
    public mutating func validate<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ validate(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { validate($0) }
    }

    /// Ends the input: a sequence cut short at the end is invalid (§8.1 checks whole messages).
    public mutating func finish() -> Bool {
        if state != .accept { state = .invalid }
        return state == .accept
    }

    /// Forgets everything, ready for the next message.
    public mutating func reset() { state = .accept }

    /// Validates a whole buffer in one go.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.finish()
    }

    /// Validates a whole collection in one go.
    public static func isValid<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.finish()
    }

    private static func next(_ state: State, _ byte: UInt8) -> State {
        switch state {
        case .accept:
            switch byte {
            case 0x00...0x7F: return .accept
            case 0xC2...0xDF: return .expect1
            case 0xE0: return .afterE0
            case 0xE1...0xEC, 0xEE...0xEF: return .expect2
            case 0xED: return .afterED
            case 0xF0: return .afterF0
            case 0xF1...0xF3: return .expect3
            case 0xF4: return .afterF4
            // 80–BF stray continuation, C0–C1 overlong 2-byte, F5–FF beyond U+10FFFF.
            default: return .invalid
            }
        case .expect1: return (0x80...0xBF).contains(byte) ? .accept : .invalid
        case .expect2: return (0x80...0xBF).contains(byte) ? .expect1 : .invalid
        case .expect3: return (0x80...0xBF).contains(byte) ? .expect2 : .invalid
        case .afterE0: return (0xA0...0xBF).contains(byte) ? .expect1 : .invalid
        case .afterED: return (0x80...0x9F).contains(byte) ? .expect1 : .invalid
        case .afterF0: return (0x90...0xBF).contains(byte) ? .expect2 : .invalid
        case .afterF4: return (0x80...0x8F).contains(byte) ? .expect2 : .invalid
        case .invalid: return .invalid
        }
    }
}
