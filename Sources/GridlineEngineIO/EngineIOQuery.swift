/// The Engine.IO query parameters of one HTTP request (protocol README, "Query parameters"):
/// `EIO`, `transport` and, once the session exists, `sid`. Anything else (`t`, `token`, …) is ignored.
public struct EngineIOQuery: Sendable, Equatable {
    /// The only protocol version served.
    public static let supportedProtocolVersion = "4"

    public var transport: EngineIOTransport
    /// Nil on a handshake request.
    public var sid: String?

    public init(transport: EngineIOTransport, sid: String? = nil) {
        self.transport = transport
        self.sid = sid
    }

    /// True for the request that creates a session.
    public var isHandshake: Bool { sid == nil }

    /// Validates the parameters of a request, in engine.io's order (`Server.verify`, then
    /// `handshake`): transport, then for a new session the method and the plain-GET WebSocket, then
    /// `EIO`. Unlike engine.io, `EIO` is also required when a `sid` is given, as the protocol
    /// README says ("Mandatory"). Whether the `sid` exists, whether it is on this transport, and
    /// `forbidden` are the server's to check (see `validate(sessionTransport:isUpgrade:)`).
    /// A parameter given twice is treated as engine.io's Node query parser leaves it: an array
    /// that matches nothing, so a second `transport` is an unknown transport.
    /// - Parameters:
    ///   - method: the HTTP method, as sent (`GET`, `POST`).
    ///   - isWebSocketUpgrade: the request asks for `Upgrade: websocket`.
    public static func parse(
        _ parameters: [(String, String)], method: String, isWebSocketUpgrade: Bool
    ) throws(EngineIORequestError) -> EngineIOQuery {
        var protocolVersion: String?, transportName: String?, sid: String?
        var versionTwice = false, transportTwice = false, sidTwice = false
        for (name, value) in parameters {
            switch name {
            case "EIO": versionTwice = versionTwice || protocolVersion != nil; protocolVersion = value
            case "transport": transportTwice = transportTwice || transportName != nil; transportName = value
            case "sid": sidTwice = sidTwice || sid != nil; sid = value
            default: continue
            }
        }
        guard !transportTwice, let transportName, let transport = EngineIOTransport(rawValue: transportName) else {
            throw .transportUnknown
        }
        if sidTwice { throw .sessionIDUnknown }
        // engine.io's `if (sid)`: an empty sid is no sid.
        let session = (sid?.isEmpty ?? true) ? nil : sid
        if session == nil {
            guard method == "GET" else { throw .badHandshakeMethod }
            if transport == .websocket && !isWebSocketUpgrade { throw .badRequest }
        }
        guard !versionTwice, protocolVersion == supportedProtocolVersion else { throw .unsupportedProtocolVersion }
        return EngineIOQuery(transport: transport, sid: session)
    }

    public static func parse(
        _ parameters: [String: String], method: String, isWebSocketUpgrade: Bool
    ) throws(EngineIORequestError) -> EngineIOQuery {
        try parse(parameters.map { ($0.key, $0.value) }, method: method, isWebSocketUpgrade: isWebSocketUpgrade)
    }

    /// Parses a raw query string (the part after `?`, without it).
    public static func parse(
        queryString: Substring, method: String, isWebSocketUpgrade: Bool
    ) throws(EngineIORequestError) -> EngineIOQuery {
        try parse(splitQuery(queryString), method: method, isWebSocketUpgrade: isWebSocketUpgrade)
    }

    /// The check engine.io makes once the session is found: a request on another transport than
    /// the session's is only allowed as the WebSocket upgrade (`TRANSPORT_MISMATCH`, 400). An
    /// upgrade of a session already on WebSocket is refused the same way (engine.io lets `ws`
    /// accept it and then closes it; one WebSocket per session, protocol README "WebSocket").
    public func validate(sessionTransport: EngineIOTransport, isUpgrade: Bool) throws(EngineIORequestError) {
        if transport == sessionTransport {
            if transport == .websocket { throw .badRequest }
            return
        }
        guard isUpgrade, transport == .websocket else { throw .badRequest }
    }

    /// Splits `a=1&b=two%20words` into decoded pairs: `+` is a space, `%XX` a byte, and a pair
    /// without `=` has an empty value. Bytes that are not UTF-8 after decoding are replaced.
    public static func splitQuery(_ query: Substring) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for part in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = part.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append((percentDecode(part[..<equals]), percentDecode(part[part.index(after: equals)...])))
            } else {
                pairs.append((percentDecode(part[...]), ""))
            }
        }
        return pairs
    }

    private static func percentDecode(_ bytes: Substring.UTF8View.SubSequence) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                      bytes.distance(from: index, to: bytes.endIndex) >= 3,
                      let high = hexValue(bytes[bytes.index(index, offsetBy: 1)]),
                      let low = hexValue(bytes[bytes.index(index, offsetBy: 2)]) {
                out.append(high << 4 | low)
                index = bytes.index(index, offsetBy: 3)
                continue
            } else {
                // A `%` without two hex digits stays as it is, as Node's querystring leaves it.
                out.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
