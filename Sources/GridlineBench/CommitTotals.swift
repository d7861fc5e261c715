/// The server's own write timings from its `/metrics`, read before and after one edit: the
/// differences are that edit's server-side shares when it was the only write in between.
/// `seconds`/`count`: the writer's transactions (BEGIN to the end of COMMIT, fsync included).
/// `writeSeconds`/`writeCount`: applied cell writes from the message read to the write's events
/// and recalculated dependents sent (absent from servers before the metric).
struct CommitTotals: Equatable {
    var seconds: Double
    var count: Int
    var writeSeconds: Double?
    var writeCount: Int?

    static func read(_ address: ServerAddress, hostHeader: String) -> CommitTotals? {
        guard let response = AdminHTTP.get(address, hostHeader: hostHeader, path: "/metrics", token: ""),
              response.status == 200 else { return nil }
        return parse(String(decoding: response.body, as: UTF8.self))
    }

    static func parse(_ text: String) -> CommitTotals? {
        var seconds: Double?
        var count: Int?
        var writeSeconds: Double?
        var writeCount: Int?
        for line in text.split(separator: "\n") {
            let value = { Double(line.split(separator: " ")[1]) }
            if line.hasPrefix("gridline_db_commit_seconds_sum ") { seconds = value() }
            if line.hasPrefix("gridline_db_commit_seconds_count ") { count = value().map { Int($0) } }
            if line.hasPrefix("gridline_cell_write_seconds_sum ") { writeSeconds = value() }
            if line.hasPrefix("gridline_cell_write_seconds_count ") { writeCount = value().map { Int($0) } }
        }
        guard let seconds, let count else { return nil }
        return CommitTotals(seconds: seconds, count: count, writeSeconds: writeSeconds, writeCount: writeCount)
    }

    /// The one write's receipt-to-broadcast time between two readings, if exactly one was applied.
    static func writeSeconds(from before: CommitTotals?, to after: CommitTotals?) -> Double? {
        guard let b = before?.writeSeconds, let bc = before?.writeCount,
              let a = after?.writeSeconds, let ac = after?.writeCount, ac == bc + 1 else { return nil }
        return a - b
    }
}
