/// The text of one block of rows, copied side by side into one buffer so SQLite can bind it
/// without a copy (and an allocation) per value. Reused from block to block.
struct TextArena {
    private(set) var bytes: [UInt8] = [0]  // never empty, so its base address is never nil
    /// Where each appended text starts and how long it is; count -1 for nil.
    private(set) var spans: [(start: Int, count: Int)] = []

    mutating func removeAll() {
        bytes.removeSubrange(1...)
        spans.removeAll(keepingCapacity: true)
    }

    mutating func append(_ text: String?) {
        guard let text else { return spans.append((0, -1)) }
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        spans.append((start, bytes.count - start))
    }
}

extension Statement {
    /// Binds one span of a `TextArena` whose bytes start at `base`: text without a copy, or NULL.
    func bind(span: (start: Int, count: Int), base: UnsafePointer<UInt8>, at parameter: Int32) throws(SQLiteError) {
        if span.count < 0 {
            try bindNull(at: parameter)
        } else {
            try bindTextNoCopy(base + span.start, count: span.count, at: parameter)
        }
    }
}
