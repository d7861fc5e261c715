/// Parses a raw query string as `application/x-www-form-urlencoded` (WHATWG URL §5.1),
/// the way browsers and `fetch` build it: pairs split on `&`, name and value on the first
/// `=`, `+` read as space, then percent-decoding.
public enum HTTPQuery {
    /// All pairs in order; empty pieces (`a=1&&b=2`) are skipped, a piece without `=` has an empty value.
    public static func parse(_ query: String) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for piece in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let eq = piece.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append((
                    PercentDecoding.decodeQueryComponent(piece[..<eq]),
                    PercentDecoding.decodeQueryComponent(piece[piece.index(after: eq)...])))
            } else {
                pairs.append((PercentDecoding.decodeQueryComponent(piece), ""))
            }
        }
        return pairs
    }

    /// The first value for `name`, or nil when the query is absent or lacks it.
    public static func value(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        return parse(query).first { $0.name == name }?.value
    }
}
