/// A FIPS 180-4 hash fed in pieces (`SHA1`, `SHA256`); the conveniences below are shared.
public protocol BlockHash: Sendable {
    init()
    mutating func update(_ input: UnsafeRawBufferPointer)
    /// Pads the message and returns the digest; the hasher is spent afterwards.
    mutating func finalize() -> [UInt8]
}

extension BlockHash {
    /// The digest of `bytes` in one call.
    public static func hash<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        var hasher = Self()
        hasher.update(bytes)
        return hasher.finalize()
    }

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled == nil {
            // Lazy sequences and the like: one copy, then the same fast path.
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }
}
