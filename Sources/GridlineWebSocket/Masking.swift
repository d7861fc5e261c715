/// XOR masking of payload bytes (RFC 6455 §5.3), shared by the decoder (unmasking client
/// frames in place) and the encoder (masking frames of our own test and bench client).
///
/// Keys are kept in "wire order packed little-endian": wire byte i of the key sits in bits
/// 8i..8i+7. Payload byte j is XORed with key byte j mod 4 (§5.3), so continuing a frame at
/// payload offset p just means rotating the key right by 8·(p mod 4) bits.
enum Masking {
    /// The key rotated so that its byte 0 applies to payload offset `offset`.
    @inline(__always)
    static func key(_ key: UInt32, atPayloadOffset offset: Int) -> UInt32 {
        let shift = UInt32(offset & 3) &* 8
        return shift == 0 ? key : (key >> shift) | (key << (32 &- shift))
    }

    /// XORs `bytes` in place with `key` (already rotated for the first byte).
    @inline(__always)
    static func apply(_ key: UInt32, to bytes: UnsafeMutableRawBufferPointer) {
        // Each word and byte is read before it is written, so copying onto itself is safe.
        copy(UnsafeRawBufferPointer(bytes), to: bytes, key: key)
    }

    /// Copies `source` to `destination` (same length, or the same memory), XORing with `key`
    /// eight bytes at a time, then the tail byte by byte; a fresh message buffer is filled and
    /// unmasked in one pass.
    @inline(__always)
    static func copy(_ source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawBufferPointer, key: UInt32) {
        guard let from = source.baseAddress, let to = destination.baseAddress else { return }
        let count = source.count
        // `.littleEndian` turns the packed key into the in-memory pattern whose byte order is
        // the wire order, on any host.
        let wide = (UInt64(key) | UInt64(key) << 32).littleEndian
        var index = 0
        while index &+ 8 <= count {
            let word = from.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            to.storeBytes(of: word ^ wide, toByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        // A multiple of 8 has been done, so the key phase is unchanged for the tail.
        var rolling = key
        while index < count {
            let byte = from.load(fromByteOffset: index, as: UInt8.self)
            to.storeBytes(of: byte ^ UInt8(truncatingIfNeeded: rolling), toByteOffset: index, as: UInt8.self)
            rolling = (rolling >> 8) | (rolling << 24)
            index &+= 1
        }
    }
}
