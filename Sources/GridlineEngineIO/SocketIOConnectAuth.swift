/// The auth payload of a client's CONNECT (`40{"token":"…","pid":"…","offset":"…"}`), read
/// without a JSON dependency: the string members the server needs, and every member's raw JSON.
public struct SocketIOConnectAuth: Sendable, Equatable {
    /// The whole object's raw JSON; empty when the CONNECT carried none.
    public var raw: ArraySlice<UInt8>
    /// `io(url, {auth: {token}})`: SPEC §2's token, when it is a JSON string.
    public var token: String? { string(forKey: "token") }
    /// Connection state recovery: the private session id from a previous CONNECT answer.
    public var pid: String? { string(forKey: "pid") }
    /// Connection state recovery: the last offset the client processed.
    public var offset: String? { string(forKey: "offset") }

    /// Reads the auth payload of a decoded CONNECT packet.
    public init(connect packet: SocketIOPacket) {
        self.raw = packet.type == .connect ? packet.data : []
    }

    /// Reads raw JSON that must be one object (or nothing).
    public init(json: ArraySlice<UInt8>) throws(SocketIOError) {
        guard !json.isEmpty else { self.raw = []; return }
        let value: ArraySlice<UInt8>
        do {
            value = try JSONDocument.value(json)
        } catch .tooDeep {
            throw .nestingTooDeep
        } catch {
            throw .malformedJSON
        }
        guard value.first == UInt8(ascii: "{") else { throw .invalidPayload }
        self.raw = value
    }

    /// The raw JSON of the member `key` (the last one when repeated, as `JSON.parse` keeps it).
    public func rawValue(forKey key: String) -> ArraySlice<UInt8>? {
        var found: ArraySlice<UInt8>?
        let wanted = Array(key.utf8)
        for member in JSONDocument.objectMembers(raw) {
            let matches = member.keyHasEscapes
                ? JSONDocument.decodeContent(member.key) == key
                : member.key.elementsEqual(wanted)
            if matches { found = member.value }
        }
        return found
    }

    /// The member `key` decoded, when it is a JSON string; nil when absent or of another type.
    public func string(forKey key: String) -> String? {
        guard let value = rawValue(forKey: key), value.first == UInt8(ascii: "\"") else { return nil }
        return JSONDocument.string(value)
    }
}
