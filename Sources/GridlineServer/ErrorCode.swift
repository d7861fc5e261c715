import GridlineJSON

/// The wire error codes of SPEC §4, spelled exactly as the contract does.
public enum ErrorCode: String, Sendable, CaseIterable {
    case AUTHENTICATION_FAILED, PERMISSION_DENIED, RATE_LIMIT_EXCEEDED, INVALID_JSON, INVALID_MESSAGE
    case UNKNOWN_MESSAGE_TYPE, ROOM_NOT_FOUND, NOT_IN_ROOM, SHEET_NOT_FOUND, VERSION_CONFLICT, NOT_FOUND
    case INTERNAL_ERROR
}

/// A refusal of one client message: becomes an `error` frame; the connection stays open.
public struct MessageError: Error, Sendable {
    public let code: ErrorCode
    public let text: String
    public var recoverable: Bool
    /// Extra members, e.g. `current` for VERSION_CONFLICT.
    public var extra: [(String, JSONValue)]
    /// The message's `request_id`, when the refusal happened before the message was whole.
    public var requestID: String?

    public init(_ code: ErrorCode, _ text: String, recoverable: Bool = true, extra: [(String, JSONValue)] = []) {
        self.code = code
        self.text = text
        self.recoverable = recoverable
        self.extra = extra
    }

    public static func invalid(_ field: String, _ expectation: String) -> MessageError {
        MessageError(.INVALID_MESSAGE, "field '\(field)' \(expectation)")
    }
}
