/// The outcome of matching a request against a `Router`.
public enum RouteMatch<Handler: Sendable>: Sendable {
    /// A route matched; `params` holds the percent-decoded `{name}` segments.
    case found(Handler, params: [String: String])
    /// The path matches routes, but none for this method (405, with `Allow`, RFC 9110 §15.5.6).
    case methodNotAllowed(allowed: [String])
    /// No route has this path, or the path is not validly percent-encoded.
    case notFound
}

/// One registered route as written, so the server can check its API document against the table.
public struct RouteDescription: Sendable, Equatable, Hashable {
    public var method: String
    public var pattern: String

    public init(method: String, pattern: String) {
        self.method = method
        self.pattern = pattern
    }
}

/// A method-and-path router small enough to read in one sitting.
///
/// Patterns are literal segments and `{name}` parameters: `/api/v1/rooms/{room_id}/sheets`.
/// A request path is split on `/` before percent-decoding, so `%2F` is data inside a segment,
/// never a separator. A decoded segment may be any parameter value (even `..`), but a literal
/// only matches a segment that is exactly that text. Trailing slashes are significant and
/// parameters never match an empty segment. When several routes match, the one with a literal
/// at the first position where they differ wins, so `/rooms/new` beats `/rooms/{id}`.
/// Methods are case-sensitive (RFC 9110 §9.1); HEAD is not implied by GET.
public struct Router<Handler: Sendable>: Sendable {
    private var patterns = RoutePatterns()
    private var handlers: [Handler] = []

    public init() {}

    /// Every route in registration order.
    public var routes: [RouteDescription] { patterns.descriptions }

    /// Registers a route. Patterns are program constants, so a malformed one or a duplicate
    /// is a programming error and traps at start-up rather than misrouting later.
    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        patterns.add(method, pattern)
        handlers.append(handler)
    }

    /// Matches a raw (still percent-encoded) path such as `HTTPRequestHead.path`.
    public func match(method: String, path: String) -> RouteMatch<Handler> {
        switch patterns.match(method: method, path: path) {
        case .found(let index, let params): return .found(handlers[index], params: params)
        case .methodNotAllowed(let allowed): return .methodNotAllowed(allowed: allowed)
        case .notFound: return .notFound
        }
    }
}

/// The matching itself, free of the handler's generic type so it runs as specialised code
/// (every request, every WebSocket upgrade goes through it).
struct RoutePatterns: Sendable {
    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route: Sendable {
        var method: String
        var pattern: String
        var segments: [Segment]
    }

    enum Match {
        case found(Int, params: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private var table: [Route] = []

    var descriptions: [RouteDescription] {
        table.map { RouteDescription(method: $0.method, pattern: $0.pattern) }
    }

    mutating func add(_ method: String, _ pattern: String) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /: \(pattern)")
        var names = Set<String>()
        let segments = pattern.utf8.dropFirst().split(separator: HTTPBytes.slash, omittingEmptySubsequences: false)
            .map { raw -> Segment in
                let text = String(Substring(raw))
                if text.hasPrefix("{") && text.hasSuffix("}") && text.count > 2 {
                    let name = String(text.dropFirst().dropLast())
                    precondition(names.insert(name).inserted, "duplicate parameter \(name) in \(pattern)")
                    return .parameter(name)
                }
                precondition(!text.contains("{") && !text.contains("}") && !text.contains("%"),
                             "literal segment must be plain text in \(pattern)")
                precondition(text != "." && text != "..", "dot segment in \(pattern)")
                return .literal(text)
            }
        precondition(!table.contains { $0.method == method && $0.segments == segments },
                     "duplicate route \(method) \(pattern)")
        table.append(Route(method: method, pattern: pattern, segments: segments))
    }

    func match(method: String, path: String) -> Match {
        guard path.utf8.first == HTTPBytes.slash else { return .notFound }
        var decoded: [String] = []
        for raw in path.utf8.dropFirst().split(separator: HTTPBytes.slash, omittingEmptySubsequences: false) {
            guard let segment = PercentDecoding.decodeSegment(raw) else { return .notFound }
            decoded.append(segment)
        }

        var best: (index: Int, params: [String: String])?
        var allowed: [String] = []
        for index in table.indices {
            let route = table[index]
            guard let params = Self.bind(route.segments, to: decoded) else { continue }
            guard route.method == method else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            if best.map({ Self.isMoreSpecific(route.segments, than: table[$0.index].segments) }) ?? true {
                best = (index, params)
            }
        }
        if let best { return .found(best.index, params: best.params) }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed.sorted())
    }

    private static func bind(_ segments: [Segment], to path: [String]) -> [String: String]? {
        guard segments.count == path.count else { return nil }
        var params: [String: String] = [:]
        for index in segments.indices {
            let value = path[index]
            switch segments[index] {
            case .literal(let text):
                // A decoded "/" or NUL can only come from an escape; "." and ".." are never literals.
                guard value == text, !value.utf8.contains(HTTPBytes.slash), !value.utf8.contains(0) else { return nil }
            case .parameter(let name):
                guard !value.isEmpty else { return nil }
                params[name] = value
            }
        }
        return params
    }

    private static func isMoreSpecific(_ a: [Segment], than b: [Segment]) -> Bool {
        for index in a.indices where index < b.count {
            switch (a[index], b[index]) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return false
    }
}
