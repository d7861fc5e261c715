/// SHA-1 (FIPS 180-4 §6.1). Used only for the WebSocket handshake (RFC 6455 §4.2.2),
/// where collision resistance does not matter.
///
/// Like `SHA256`, a plain value with its state and partial block held inline, so a
/// handshake's hash allocates nothing but the 20-byte result.
public struct SHA1: BlockHash {
    private static let blockByteCount = BlockBuffer.blockByteCount

    // FIPS 180-4 §5.3.1: initial hash value.
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    private var buffer = BlockBuffer()

    public init() {}

    public mutating func update(_ input: UnsafeRawBufferPointer) {
        var words = h
        buffer.absorb(input) { Self.compress(&words, blocks: $0, count: $1) }
        h = words
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns the 20-byte digest.
    /// The hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        var words = h
        buffer.pad { Self.compress(&words, blocks: $0, count: $1) }
        h = words
        return BlockBuffer.digest(words, wordCount: 5)
    }

    @inline(__always)
    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 &- n)) }

    /// FIPS 180-4 §6.1.2 over `count` consecutive 64-byte blocks at `blocks` (any alignment).
    private static func compress(
        _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32), blocks: UnsafeRawPointer, count: Int
    ) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            var (h0, h1, h2, h3, h4) = state
            for n in 0..<count {
                let base = blocks + n * blockByteCount
                for t in 0..<16 {
                    w[t] = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
                }
                for t in 16..<80 {
                    w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1)
                }
                var (a, b, c, d, e) = (h0, h1, h2, h3, h4)
                for t in 0..<80 {
                    // FIPS 180-4 §4.1.1 (functions) and §4.2.1 (constants), by round range.
                    let f: UInt32
                    let k: UInt32
                    switch t {
                    case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                    case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                    case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                    default: f = b ^ c ^ d; k = 0xCA62_C1D6
                    }
                    let temp = rotl(a, 5) &+ f &+ e &+ k &+ w[t]
                    e = d
                    d = c
                    c = rotl(b, 30)
                    b = a
                    a = temp
                }
                h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e
            }
            state = (h0, h1, h2, h3, h4)
        }
    }
}
