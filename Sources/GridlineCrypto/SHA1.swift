/// SHA-1 (FIPS 180-4 §6.1). Used only for the WebSocket handshake (RFC 6455 §4.2.2),
/// where collision resistance does not matter.
///
/// Like `SHA256`, a plain value with its state and partial block held inline, so a
/// handshake's hash allocates nothing but the 20-byte result.
public struct SHA1: Sendable {
    private static let blockByteCount = 64
    private static let digestByteCount = 20

    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    // FIPS 180-4 §5.3.1: initial hash value.
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    private var block: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0

    public init() {}

    public static func hash<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        var sha = SHA1()
        sha.update(bytes)
        return sha.finalize()
    }

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    public mutating func update(_ input: UnsafeRawBufferPointer) {
        guard var next = input.baseAddress, input.count > 0 else { return }
        var remaining = input.count
        totalBytes &+= UInt64(remaining)

        if blockCount > 0 {
            let take = min(Self.blockByteCount - blockCount, remaining)
            let offset = blockCount
            withUnsafeMutableBytes(of: &block) { buffer in
                (buffer.baseAddress! + offset).copyMemory(from: next, byteCount: take)
            }
            blockCount += take
            next += take
            remaining -= take
            guard blockCount == Self.blockByteCount else { return }
            withUnsafeBytes(of: block) { Self.compress(&h, blocks: $0.baseAddress!, count: 1) }
            blockCount = 0
        }

        let wholeBlocks = remaining / Self.blockByteCount
        if wholeBlocks > 0 {
            Self.compress(&h, blocks: next, count: wholeBlocks)
            next += wholeBlocks * Self.blockByteCount
            remaining -= wholeBlocks * Self.blockByteCount
        }

        if remaining > 0 {
            let tail = remaining
            withUnsafeMutableBytes(of: &block) { $0.baseAddress!.copyMemory(from: next, byteCount: tail) }
            blockCount = tail
        }
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns the 20-byte digest.
    /// The hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        let used = blockCount
        withUnsafeMutableBytes(of: &block) { buffer in
            buffer[used] = 0x80
            for i in (used + 1)..<Self.blockByteCount { buffer[i] = 0 }
        }
        if used + 1 > Self.blockByteCount - 8 {
            // No room for the 64-bit length: it goes into one extra all-padding block.
            withUnsafeBytes(of: block) { Self.compress(&h, blocks: $0.baseAddress!, count: 1) }
            block = (0, 0, 0, 0, 0, 0, 0, 0)
        }
        withUnsafeMutableBytes(of: &block) { buffer in
            buffer.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
        }
        withUnsafeBytes(of: block) { Self.compress(&h, blocks: $0.baseAddress!, count: 1) }
        blockCount = 0

        let words = h
        return [UInt8](unsafeUninitializedCapacity: Self.digestByteCount) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            withUnsafeBytes(of: words) { source in
                for i in 0..<5 {
                    let word = source.load(fromByteOffset: i * 4, as: UInt32.self)
                    raw.storeBytes(of: word.bigEndian, toByteOffset: i * 4, as: UInt32.self)
                }
            }
            initialized = Self.digestByteCount
        }
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
