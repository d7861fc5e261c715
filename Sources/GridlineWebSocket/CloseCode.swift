/// Close status codes (RFC 6455 §7.4.1) the server sends or checks, and the rule for which
/// codes may appear in a received close frame (§7.4.1, §7.4.2).
public enum CloseCode: Sendable {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let protocolError: UInt16 = 1002
    public static let unsupportedData: UInt16 = 1003
    public static let invalidPayload: UInt16 = 1007
    public static let policyViolation: UInt16 = 1008
    public static let messageTooBig: UInt16 = 1009
    public static let internalError: UInt16 = 1011
    public static let tryAgainLater: UInt16 = 1013

    /// Whether a peer may put `code` in a close frame.
    ///
    /// - 0–999 are never used (§7.4.2).
    /// - 1004 is reserved, 1005 and 1006 are "no code"/"abnormal" markers that MUST NOT be
    ///   sent (§7.4.1), 1015 is the TLS-failure marker that MUST NOT be sent (§7.4.1).
    /// - 1000–1003 and 1007–1014 are defined by RFC 6455 and the IANA registry (§11.7;
    ///   1012–1014 were registered after publication and are sent by real servers).
    /// - 1016–2999 are reserved for future RFCs, so nobody can legitimately send them yet.
    /// - 3000–4999 belong to libraries and applications (§7.4.2).
    /// - 5000 and above are outside every range the RFC defines.
    public static func isValidOnWire(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }
}
