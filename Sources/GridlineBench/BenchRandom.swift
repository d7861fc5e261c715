/// A fast pseudo-random generator (xorshift64*) seeded once from the system generator.
///
/// RFC 6455 §5.3 wants a fresh, unpredictable masking key per frame so that intermediaries
/// cannot be steered by chosen plaintext; a getrandom(2) call per frame would cost more than
/// the frame itself, and a generator seeded from it serves that purpose.
public struct BenchRandom: Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    public init() {
        var system = SystemRandomNumberGenerator()
        self.init(seed: system.next())
    }

    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    public mutating func maskKey() -> UInt32 {
        UInt32(truncatingIfNeeded: next() >> 32)
    }
}
