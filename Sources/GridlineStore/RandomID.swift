/// Random identifiers for rows the server names itself (notifications, uploads, rooms
/// created without an id).
public enum RandomID {
    /// `prefix` followed by `byteCount` random bytes in lowercase hex, e.g. "ntf_3fa9…".
    public static func make(prefix: String, byteCount: Int = 8) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text = Array(prefix.utf8)
        text.reserveCapacity(text.count + byteCount * 2)
        for _ in 0..<byteCount {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
