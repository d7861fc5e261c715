import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineStore

/// Store errors as wire errors, in one place for every service: the client learns what it can
/// act on, the log gets the rest.
extension Server {
    /// For a client message: a vanished sheet or a refused value is the client's business,
    /// anything else is ours.
    func storeFailure(_ error: Error, user: User) -> MessageError {
        if let storeError = error as? StoreError, case .sheetNotFound = storeError {
            return MessageError(.SHEET_NOT_FOUND, "the sheet no longer exists")
        }
        if let storeError = error as? StoreError, case .invalid(let text) = storeError {
            return MessageError(.INVALID_MESSAGE, text)
        }
        if Self.isStorageFull(error) {
            log(.error, "store_full", user: user.id, [("error", .string("\(error)"))])
            return MessageError(.INTERNAL_ERROR, "the server's storage is full; the update was not stored", recoverable: true)
        }
        log(.error, "store_failed", user: user.id, [("error", .string("\(error)"))])
        return MessageError(.INTERNAL_ERROR, "the update could not be stored", recoverable: true)
    }

    /// For a REST request: 409 for a duplicate id, 404 for a missing parent.
    func restStoreFailure(_ error: Error) -> HTTPResponse {
        switch error as? StoreError {
        case .duplicate(let what)?: return .jsonError(status: 409, code: "INVALID_MESSAGE", text: "\(what) already exists")
        case .roomNotFound(let id)?: return .jsonError(status: 404, code: "NOT_FOUND", text: "room '\(id)' does not exist")
        case .sheetNotFound(let id)?: return .jsonError(status: 404, code: "NOT_FOUND", text: "sheet '\(id)' does not exist")
        default:
            if Self.isStorageFull(error) {
                log(.error, "store_full", [("error", .string("\(error)"))])
                return .jsonError(status: 507, code: "INTERNAL_ERROR", text: "the server's storage is full; nothing was stored")
            }
            log(.error, "store_failed", [("error", .string("\(error)"))])
            return .jsonError(status: 500, code: "INTERNAL_ERROR", text: "the database could not complete the request")
        }
    }

    /// SQLITE_FULL: the disk, or the database's size limit, has no room for the write.
    static func isStorageFull(_ error: Error) -> Bool {
        guard let sqlite = error as? SQLiteError else { return false }
        return sqlite.code & 0xFF == 13
    }
}
