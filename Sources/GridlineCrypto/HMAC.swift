/// HMAC (RFC 2104) over SHA-256, the MAC behind JWS `HS256` (RFC 7518 §3.2).
public enum HMAC {
    /// HMAC-SHA256 of `message` under `key`; 32 bytes.
    public static func sha256(key: [UInt8], message: some Collection<UInt8>) -> [UInt8] {
        HMACSHA256(key: key).authenticationCode(for: message)
    }
}

/// An HMAC-SHA256 key with its inner and outer pads already absorbed.
///
/// The server checks every handshake's token with the same secret, so preparing the key once
/// saves two of the four SHA-256 compressions a short JWT costs. Copying the prepared hashers
/// is free because `SHA256` keeps its state inline.
public struct HMACSHA256: Sendable {
    private let inner: SHA256
    private let outer: SHA256

    public init(key: [UInt8]) {
        // RFC 2104 §2: keys longer than the block size are hashed first; shorter ones are
        // padded with zeros to the block size (B = 64 for SHA-256).
        var padded = key.count > SHA256.blockByteCount ? SHA256.hash(key) : key
        padded.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - padded.count))

        var inner = SHA256()
        inner.update(padded.map { $0 ^ 0x36 })  // ipad
        var outer = SHA256()
        outer.update(padded.map { $0 ^ 0x5c })  // opad
        self.inner = inner
        self.outer = outer
    }

    /// H(K ^ opad, H(K ^ ipad, message)) — RFC 2104 §2.
    public func authenticationCode(for message: some Sequence<UInt8>) -> [UInt8] {
        var innerHash = inner
        innerHash.update(message)
        var outerHash = outer
        outerHash.update(innerHash.finalize())
        return outerHash.finalize()
    }
}
