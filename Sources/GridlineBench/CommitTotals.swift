/// The writer's transaction time from the server's `/metrics` (BEGIN to the end of COMMIT,
/// fsync included): read before and after one edit, the difference is that edit's
/// server-side share when it was the only group committed in between.
struct CommitTotals: Equatable {
    var seconds: Double
    var count: Int

    static func read(_ address: ServerAddress, hostHeader: String) -> CommitTotals? {
        guard let response = AdminHTTP.get(address, hostHeader: hostHeader, path: "/metrics", token: ""),
              response.status == 200 else { return nil }
        return parse(String(decoding: response.body, as: UTF8.self))
    }

    static func parse(_ text: String) -> CommitTotals? {
        var seconds: Double?
        var count: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("gridline_db_commit_seconds_sum ") { seconds = Double(line.split(separator: " ")[1]) }
            if line.hasPrefix("gridline_db_commit_seconds_count ") { count = Double(line.split(separator: " ")[1]).map { Int($0) } }
        }
        guard let seconds, let count else { return nil }
        return CommitTotals(seconds: seconds, count: count)
    }
}
