/// Why a `REDIS_URL` cannot be used.
public enum RedisURLError: Error, Equatable, Sendable {
    /// Only `redis://` (no TLS).
    case unsupportedScheme(String)
    case missingHost
    case invalidPort(String)
    case invalidDatabase(String)
}

extension RedisConfiguration {
    /// Parses `redis://[[username]:password@]host[:port][/db]` (SPEC §15's `REDIS_URL`).
    /// The port defaults to 6379 and the database to 0.
    public init(url: String) throws(RedisURLError) {
        let parts = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        let scheme = parts.count == 2 ? String(parts[0]) : ""
        guard scheme.lowercased() == "redis" else { throw .unsupportedScheme(scheme) }
        var rest = parts[1]
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty {
                guard let number = Int(path), number >= 0 else { throw .invalidDatabase(String(path)) }
                database = number
            }
            rest = rest[..<slash]
        }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                username = user.isEmpty ? nil : Self.percentDecoded(user)
                password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
            } else if !credentials.isEmpty {
                password = Self.percentDecoded(credentials)  // redis://secret@host, as redis-cli reads it
            }
            rest = rest[rest.index(after: at)...]
        }
        var host = rest
        var port: UInt16 = 6379
        if let colon = rest.lastIndex(of: ":") {
            let text = rest[rest.index(after: colon)...]
            guard let number = UInt16(text), number > 0 else { throw .invalidPort(String(text)) }
            port = number
            host = rest[..<colon]
        }
        guard !host.isEmpty else { throw .missingHost }
        self.init(host: String(host), port: port, database: database)
        self.username = username
        self.password = password
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), utf8.distance(from: index, to: utf8.endIndex) >= 3,
               let value = UInt8(String(decoding: utf8[utf8.index(after: index)..<utf8.index(index, offsetBy: 3)], as: UTF8.self),
                                 radix: 16) {
                bytes.append(value)
                index = utf8.index(index, offsetBy: 3)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
