import CGridlineSystem

/// A failure reported by SQLite itself: its (extended) result code and its message.
public struct SQLiteError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The extended result code (extended codes are switched on for every connection).
    public let code: Int32
    public let message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The primary result code (`SQLITE_CONSTRAINT` for `SQLITE_CONSTRAINT_PRIMARYKEY`, …).
    public var primaryCode: Int32 { code & 0xFF }

    /// A PRIMARY KEY or UNIQUE violation: the store maps these to `StoreError.duplicate`.
    public var isUniquenessViolation: Bool {
        // SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE; the C macros are
        // expressions Swift does not import.
        code == 1555 || code == 2067
    }

    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    public var description: String { "SQLite error \(code): \(message)" }
}
