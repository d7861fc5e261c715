/// What SHA-1 and SHA-256 share (FIPS 180-4 §5.1.1): 64-byte blocks, a partial block held
/// inline, whole blocks compressed straight from the caller's memory, and the final padding
/// with the message length in bits. The hash supplies its compression function.
struct BlockBuffer: Sendable {
    static let blockByteCount = 64

    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    private var block: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0

    /// Feeds bytes; `compress(blocks, count)` gets every complete 64-byte block.
    mutating func absorb(_ input: UnsafeRawBufferPointer, compress: (UnsafeRawPointer, Int) -> Void) {
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
            withUnsafeBytes(of: block) { compress($0.baseAddress!, 1) }
            blockCount = 0
        }

        let wholeBlocks = remaining / Self.blockByteCount
        if wholeBlocks > 0 {
            compress(next, wholeBlocks)
            next += wholeBlocks * Self.blockByteCount
            remaining -= wholeBlocks * Self.blockByteCount
        }

        if remaining > 0 {
            let tail = remaining
            withUnsafeMutableBytes(of: &block) { $0.baseAddress!.copyMemory(from: next, byteCount: tail) }
            blockCount = tail
        }
    }

    /// Appends 0x80, zeros and the 64-bit big-endian bit length, compressing the last block(s).
    mutating func pad(compress: (UnsafeRawPointer, Int) -> Void) {
        let bitLength = totalBytes &* 8
        let used = blockCount
        withUnsafeMutableBytes(of: &block) { buffer in
            buffer[used] = 0x80
            for i in (used + 1)..<Self.blockByteCount { buffer[i] = 0 }
        }
        if used + 1 > Self.blockByteCount - 8 {
            // No room for the length: it goes into one extra all-padding block.
            withUnsafeBytes(of: block) { compress($0.baseAddress!, 1) }
            block = (0, 0, 0, 0, 0, 0, 0, 0)
        }
        withUnsafeMutableBytes(of: &block) { buffer in
            buffer.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
        }
        withUnsafeBytes(of: block) { compress($0.baseAddress!, 1) }
        blockCount = 0
    }

    /// The digest: the first `wordCount` 32-bit words of `state`, big-endian.
    static func digest<State>(_ state: State, wordCount: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: wordCount * 4) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            withUnsafeBytes(of: state) { source in
                for i in 0..<wordCount {
                    let word = source.load(fromByteOffset: i * 4, as: UInt32.self)
                    raw.storeBytes(of: word.bigEndian, toByteOffset: i * 4, as: UInt32.self)
                }
            }
            initialized = wordCount * 4
        }
    }
}
