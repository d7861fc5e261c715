/// The `meta` stamp a fan-out sender puts in its `cursor_move` and the server relays unchanged
/// in `cursor_moved`: sender id, sequence number and CLOCK_MONOTONIC send time. Read in place
/// from a raw WebSocket message or a Socket.IO event packet alike.
struct CursorStamp: Equatable {
    var sid: UInt64
    var seq: UInt64
    var ts: UInt64

    /// The stamp in `text`, whose message object spans `object`. `meta` is Gridline's last
    /// member but `timestamp`, so it is found from the end without walking the `cursor` object;
    /// the member walk is the fallback for other layouts (another server, spaces in its JSON).
    static func read(_ text: UnsafeBufferPointer<UInt8>, object: Range<Int>) -> CursorStamp? {
        // Searched within the object only: a polling body holds other packets after it.
        let fast = JSONFieldScanner.lastKeyValueStart("meta", in: UnsafeBufferPointer(rebasing: text[object]))
            .map { $0 + object.lowerBound }
        guard let metaStart = fast ?? JSONFieldScanner.member("meta", in: text, object: object)?.lowerBound else {
            return nil
        }
        var sid: UInt64?
        var seq: UInt64?
        var ts: UInt64?
        JSONFieldScanner.forEachMember(in: text, object: metaStart..<object.upperBound) { key, value in
            if JSONFieldScanner.equals(text, key, "sid") {
                sid = JSONFieldScanner.unsignedInteger(text, value)
            } else if JSONFieldScanner.equals(text, key, "seq") {
                seq = JSONFieldScanner.unsignedInteger(text, value)
            } else if JSONFieldScanner.equals(text, key, "ts") {
                ts = JSONFieldScanner.unsignedInteger(text, value)
            }
            return sid == nil || seq == nil || ts == nil
        }
        guard let sid, let seq, let ts else { return nil }
        return CursorStamp(sid: sid, seq: seq, ts: ts)
    }
}
