/// One header field line: the name as the peer spelled it and its value without surrounding whitespace.
public struct HTTPField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Header fields in the order they arrived. Lookups ignore the case of the name
/// (RFC 9110 §5.1); repeated names are kept as separate entries so list-valued
/// fields can be read with `values(_:)` or `containsToken(_:_:)`.
public struct HTTPHeaders: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [HTTPField]

    public init() { fields = [] }

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { HTTPField(name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(HTTPField(name: name, value: value))
    }

    /// Replaces every field with this name by a single one (appended if there was none).
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { HTTPBytes.equalsIgnoringCase($0.name.utf8, name.utf8) }
    }

    /// The first value of the field with this name.
    public subscript(name: String) -> String? {
        fields.first { HTTPBytes.equalsIgnoringCase($0.name.utf8, name.utf8) }?.value
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Every value of the fields with this name, in arrival order.
    public func values(_ name: String) -> [String] {
        fields.lazy.filter { HTTPBytes.equalsIgnoringCase($0.name.utf8, name.utf8) }.map(\.value)
    }

    /// Whether a comma-separated list field (RFC 9110 §5.6.1) such as `Connection`
    /// or `Upgrade` holds `token`, compared without case. Elements are trimmed of
    /// whitespace; `Upgrade: websocket/13` does not contain `websocket`.
    public func containsToken(_ name: String, _ token: String) -> Bool {
        for field in fields where HTTPBytes.equalsIgnoringCase(field.name.utf8, name.utf8) {
            for element in field.value.utf8.split(separator: HTTPBytes.comma, omittingEmptySubsequences: true)
            where HTTPBytes.equalsIgnoringCase(Self.trimmed(element), token.utf8) {
                return true
            }
        }
        return false
    }

    /// Elements of every comma-separated value of `name`, trimmed, empty ones dropped
    /// (RFC 9110 §5.6.1 lets recipients ignore empty list elements).
    func listElements(_ name: String) -> [Substring.UTF8View] {
        var out: [Substring.UTF8View] = []
        for field in fields where HTTPBytes.equalsIgnoringCase(field.name.utf8, name.utf8) {
            for element in field.value.utf8.split(separator: HTTPBytes.comma, omittingEmptySubsequences: false) {
                let trimmed = Self.trimmed(element)
                if !trimmed.isEmpty { out.append(trimmed) }
            }
        }
        return out
    }

    static func trimmed(_ s: Substring.UTF8View) -> Substring.UTF8View {
        var s = s
        while let first = s.first, HTTPBytes.isWhitespace(first) { s.removeFirst() }
        while let last = s.last, HTTPBytes.isWhitespace(last) { s.removeLast() }
        return s
    }
}
