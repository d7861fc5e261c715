import CGridlineSHA256

/// SHA-256 (FIPS 180-4 §6.2), used for HMAC-SHA256 and so for every JWT check at admission
/// and every message between cluster nodes.
///
/// A plain value with no heap storage: the state and the partial block live inline, so
/// copying a prepared hasher (as `HMACSHA256` does for its inner and outer pads) allocates
/// nothing. Feed bytes with `update`, then call `finalize` once.
///
/// Blocks are compressed by the processor's SHA extensions where it has them (x86-64 SHA-NI,
/// several times the speed: HMAC was the largest single cost of a node relaying room events),
/// otherwise by the portable Swift code below; tests hold the two to the same digests.
public struct SHA256: BlockHash {
    /// Length of a digest in bytes.
    public static let digestByteCount = 32
    /// Length of one compression block in bytes (FIPS 180-4 §5.1.1).
    public static let blockByteCount = BlockBuffer.blockByteCount

    private typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    // FIPS 180-4 §5.3.3: initial hash value.
    private var state: State = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    private var buffer = BlockBuffer()
    private let usesExtensions: Bool

    /// Whether this processor compresses with its SHA extensions.
    static let processorHasExtensions = cgl_sha256_has_extensions() == 1

    public init() { usesExtensions = Self.processorHasExtensions }

    /// A hasher on the portable compression even where the extensions exist (tests compare).
    init(portable: Bool) { usesExtensions = !portable && Self.processorHasExtensions }

    public mutating func update(_ input: UnsafeRawBufferPointer) {
        var words = state
        let extensions = usesExtensions
        buffer.absorb(input) { Self.compress(&words, blocks: $0, count: $1, extensions: extensions) }
        state = words
    }

    /// Pads the message (FIPS 180-4 §5.1.1) and returns the 32-byte digest.
    /// The hasher is spent afterwards; start a new one for the next message.
    public mutating func finalize() -> [UInt8] {
        var words = state
        let extensions = usesExtensions
        buffer.pad { Self.compress(&words, blocks: $0, count: $1, extensions: extensions) }
        state = words
        return BlockBuffer.digest(words, wordCount: 8)
    }

    @inline(__always)
    private static func compress(_ state: inout State, blocks: UnsafeRawPointer, count: Int, extensions: Bool) {
        guard extensions else { return compress(&state, blocks: blocks, count: count) }
        withUnsafeMutableBytes(of: &state) { words in
            cgl_sha256_compress(words.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                blocks.assumingMemoryBound(to: UInt8.self), count)
        }
    }

    // FIPS 180-4 §4.2.2, kept once, beside the compression on the SHA extensions.
    private static let roundConstants: [UInt32] = withUnsafeBytes(of: cgl_sha256_round_constants) {
        Array($0.bindMemory(to: UInt32.self))
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }

    /// FIPS 180-4 §6.2.2 over `count` consecutive 64-byte blocks at `blocks` (any alignment).
    private static func compress(_ state: inout State, blocks: UnsafeRawPointer, count: Int) {
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                var (h0, h1, h2, h3, h4, h5, h6, h7) = state
                for n in 0..<count {
                    let base = blocks + n * blockByteCount
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let x = w[t - 15]
                        let y = w[t - 2]
                        let sigma0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                        let sigma1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                        w[t] = sigma1 &+ w[t - 7] &+ sigma0 &+ w[t - 16]
                    }
                    var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
                    for t in 0..<64 {
                        let bigSigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                        let choose = (e & f) ^ (~e & g)
                        let t1 = h &+ bigSigma1 &+ choose &+ k[t] &+ w[t]
                        let bigSigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                        let majority = (a & b) ^ (a & c) ^ (b & c)
                        h = g
                        g = f
                        f = e
                        e = d &+ t1
                        d = c
                        c = b
                        b = a
                        a = t1 &+ bigSigma0 &+ majority
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                    h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                }
                state = (h0, h1, h2, h3, h4, h5, h6, h7)
            }
        }
    }
}
