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

extension TextArena {
    /// Runs `body` with a binder over `statement` from parameter `first`. The rows' texts must
    /// have been appended in the order `body` binds them.
    func withBinder<T>(_ statement: Statement, from first: Int32, _ body: (inout RowBinder) throws -> T) throws -> T {
        try bytes.withUnsafeBufferPointer { buffer in
            var binder = RowBinder(statement: statement, base: buffer.baseAddress!, spans: spans, parameter: first)
            return try body(&binder)
        }
    }
}

/// Binds a block's rows parameter after parameter: integers as given, texts in place from the
/// arena, the next span each time.
struct RowBinder {
    fileprivate let statement: Statement
    fileprivate let base: UnsafePointer<UInt8>
    fileprivate let spans: [(start: Int, count: Int)]
    fileprivate var parameter: Int32
    private var span = 0

    fileprivate init(statement: Statement, base: UnsafePointer<UInt8>, spans: [(start: Int, count: Int)], parameter: Int32) {
        self.statement = statement
        self.base = base
        self.spans = spans
        self.parameter = parameter
    }

    mutating func integer(_ value: Int64) throws(SQLiteError) {
        try statement.bind(value, at: parameter)
        parameter += 1
    }

    mutating func text() throws(SQLiteError) {
        try statement.bind(span: spans[span], base: base, at: parameter)
        parameter += 1
        span += 1
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
