/// A user's open connections, oldest first, with O(1) insert and removal: a user may hold
/// thousands of connections (load tests share one token), and closing each must not scan.
public struct ConnectionList: Sequence, Sendable {
    private var order: [UInt64] = []
    private var head = 0
    private var live: Set<UInt64> = []

    public init() {}

    public var count: Int { live.count }
    public var isEmpty: Bool { live.isEmpty }

    public mutating func append(_ id: UInt64) {
        guard live.insert(id).inserted else { return }
        order.append(id)
    }

    public mutating func remove(_ id: UInt64) {
        guard live.remove(id) != nil else { return }
        compactIfSparse()
    }

    /// Takes out the oldest connection still open.
    public mutating func removeOldest() -> UInt64? {
        while head < order.count {
            let id = order[head]
            head += 1
            if live.remove(id) != nil {
                compactIfSparse()
                return id
            }
        }
        return nil
    }

    /// Dead ids are skipped lazily; rebuild once they outnumber the live ones.
    private mutating func compactIfSparse() {
        guard order.count - head > 2 * live.count + 32 || head > 1024 else { return }
        order = order[head...].filter { live.contains($0) }
        head = 0
    }

    public func makeIterator() -> AnyIterator<UInt64> {
        var index = head
        let order = self.order
        let live = self.live
        return AnyIterator {
            while index < order.count {
                let id = order[index]
                index += 1
                if live.contains(id) { return id }
            }
            return nil
        }
    }
}
