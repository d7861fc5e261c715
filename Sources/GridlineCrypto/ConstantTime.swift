/// Comparisons whose running time does not depend on the bytes compared, so a timing
/// side channel cannot reveal how much of a forged MAC was right.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. Every byte is visited whatever the content;
    /// only the lengths (public for a MAC: always 32) can end the comparison early.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices {
            difference |= a[i] ^ b[i]
        }
        return difference == 0
    }
}
