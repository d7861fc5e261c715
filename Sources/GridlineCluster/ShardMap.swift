/// Rooms grouped into a fixed number of shards (SPEC §15); a lease is per shard, so a node
/// renews 64 keys, not one per room.
public enum ShardMap {
    public static let shardCount = 64

    /// FNV-1a (32-bit) of the room id's UTF-8 bytes, modulo `shardCount`: the same on every
    /// node and every run, unlike Swift's seeded `Hasher`.
    public static func shard(ofRoom id: String) -> Int {
        var hash: UInt32 = 0x811c_9dc5
        for byte in id.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return Int(hash % UInt32(shardCount))
    }
}
