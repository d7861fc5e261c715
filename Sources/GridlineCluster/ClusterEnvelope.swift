import GridlineCrypto
import GridlineJSON

/// One message between nodes (SPEC §15), on an inbox or a room channel: a small JSON header
/// (who sent it, what it is, seqs) and an opaque body — usually a client frame already encoded
/// as JSON, passed through without being parsed again. Layout:
/// `MAC(32) | header length (4, big-endian) | header JSON | body`.
public struct ClusterEnvelope: Sendable, Equatable {
    public var header: JSONObject
    public var body: [UInt8]

    public init(header: JSONObject, body: [UInt8] = []) {
        self.header = header
        self.body = body
    }

    public subscript(key: String) -> JSONValue? { header[key] }
    public func string(_ key: String) -> String? { header[key]?.stringValue }
    public func int64(_ key: String) -> Int64? { header[key]?.int64Value }
}

/// Seals and opens envelopes with HMAC-SHA256 under a key every node derives from the shared
/// JWT secret: anyone who can publish on the Redis (a stray client, a forged forward) but does
/// not hold the secret cannot make a node apply a write or deliver an event.
public struct ClusterSigner: Sendable {
    private let mac: HMACSHA256
    static let macLength = 32
    /// Headers are small; a larger one is garbage, not a message.
    static let maxHeaderBytes = 64 * 1024

    public init(secret: [UInt8]) {
        // A key of its own, so a cluster MAC can never pass for a token signature.
        mac = HMACSHA256(key: HMAC.sha256(key: secret, message: Array("gridline cluster v1".utf8)))
    }

    public func seal(_ envelope: ClusterEnvelope) -> [UInt8] {
        let header = envelope.header.serialized()
        var signed: [UInt8] = []
        signed.reserveCapacity(4 + header.count + envelope.body.count)
        let length = UInt32(header.count)
        signed += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        signed += header
        signed += envelope.body
        return mac.authenticationCode(for: signed) + signed
    }

    public enum OpenError: Error, Equatable, Sendable {
        case tooShort, badMAC, badHeader
    }

    /// The envelope as sent, MAC not yet checked: a node reads who sent a room event before
    /// paying for the MAC (Redis echoes its own back to it), then calls `verify`.
    public func unverifiedEnvelope(_ bytes: [UInt8]) -> ClusterEnvelope? {
        let start = Self.macLength
        guard bytes.count >= start + 4 else { return nil }
        let length = Int(bytes[start]) << 24 | Int(bytes[start + 1]) << 16 | Int(bytes[start + 2]) << 8 | Int(bytes[start + 3])
        let headerStart = start + 4
        guard length <= Self.maxHeaderBytes, headerStart + length <= bytes.count,
              let header = try? JSONParser.parse(bytes[headerStart..<(headerStart + length)]).objectValue else { return nil }
        return ClusterEnvelope(header: header, body: Array(bytes[(headerStart + length)...]))
    }

    /// Whether the MAC at the front matches the rest.
    public func verify(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= Self.macLength + 4 else { return false }
        return ConstantTime.equals(Array(bytes[..<Self.macLength]), mac.authenticationCode(for: bytes[Self.macLength...]))
    }

    /// The envelope, if the MAC is right and the header is a JSON object.
    public func open(_ bytes: [UInt8]) throws(OpenError) -> ClusterEnvelope {
        guard bytes.count >= Self.macLength + 4 else { throw .tooShort }
        guard verify(bytes) else { throw .badMAC }
        guard let envelope = unverifiedEnvelope(bytes) else { throw .badHeader }
        return envelope
    }
}
