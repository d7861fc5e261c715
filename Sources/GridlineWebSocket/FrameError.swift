/// Why the decoder gave up on a connection. Every case maps to the close code the server
/// must send before failing the connection (§7.1.7, §7.4.1).
public enum FrameError: Error, Sendable, Equatable {
    /// RSV1–3 set without a negotiated extension (§5.2).
    case reservedBitsSet
    /// Opcodes 0x3–0x7 and 0xB–0xF (§5.2).
    case unknownOpcode(UInt8)
    /// A client frame without a mask (§5.1: the server MUST close the connection).
    case unmaskedClientFrame
    /// A server frame with a mask (§5.1: the client MUST close the connection).
    case maskedServerFrame
    /// A control frame with FIN clear (§5.5: control frames MUST NOT be fragmented).
    case fragmentedControlFrame
    /// A control frame with a payload over 125 bytes (§5.5).
    case controlFrameTooLong
    /// A continuation frame while no fragmented message is open (§5.4).
    case unexpectedContinuation
    /// A new text or binary frame while a fragmented message is still open (§5.4).
    case expectedContinuation
    /// A 64-bit length with its most significant bit set (§5.2).
    case lengthTopBitSet
    /// A length written in more bytes than needed (§5.2: "the minimal number of bytes MUST
    /// be used"). Refused rather than tolerated: no conforming peer sends it.
    case nonMinimalLength
    /// The message would be larger than the configured limit (§7.4.1, 1009).
    case messageTooBig
    /// Text payload that is not UTF-8 (§8.1, 1007).
    case invalidUTF8
    /// A close body of exactly one byte, which cannot hold a code (§5.5.1).
    case closePayloadTooShort
    /// A close code a peer may not send (§7.4.1, §7.4.2).
    case invalidCloseCode(UInt16)
    /// A close reason that is not UTF-8 (§5.5.1, 1007).
    case invalidCloseReason

    /// The close code to send back before closing the TCP connection.
    public var closeCode: UInt16 {
        switch self {
        case .messageTooBig: return CloseCode.messageTooBig
        case .invalidUTF8, .invalidCloseReason: return CloseCode.invalidPayload
        default: return CloseCode.protocolError
        }
    }
}
