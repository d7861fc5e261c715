extension UploadStore {
    /// Puts a failed (interrupted) upload back to pending so its bytes can be sent again;
    /// false when it is not failed.
    @discardableResult
    public static func restart(_ db: Database, id: String) throws -> Bool {
        try db.run(
            """
            UPDATE uploads SET status = 'pending', bytes_received = 0, completed_at = NULL
            WHERE id = ? AND status = 'failed'
            """,
            [.text(id)]) > 0
    }
}
