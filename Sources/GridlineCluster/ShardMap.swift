/// Which of the 64 lease shards a room belongs to (`gl:lease:<shard>`, SPEC §15): FNV-1a 32-bit
/// over the room id's UTF-8 bytes, modulo `shardCount`. Every node computes the same answer.
public enum ShardMap {
    public static let shardCount = 64

    public static func shard(ofRoom id: String) -> Int {
        Int(fnv1a32(id.utf8) % UInt32(shardCount))
    }

    /// FNV-1a, 32 bits (draft-eastlake-fnv: offset basis 2166136261, prime 16777619).
    public static func fnv1a32<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }
}
