/// Where each client of a cross-node load sits: which node it connects to, which room it joins
/// and whether it sends or only reads. Readers sit on every node but their room's sender node,
/// so everything a reader receives from a sender crossed Redis; with one node (the single-node
/// reference) they share it.
public struct ClusterSeat: Sendable, Equatable {
    public enum Role: Sendable, Equatable {
        case sender, reader
    }

    public let node: Int
    public let room: Int
    public let role: Role

    public init(node: Int, room: Int, role: Role) {
        self.node = node
        self.room = room
        self.role = role
    }
}

/// Builds the seat lists of the cluster scenario's loads. Pure, so it can be tested.
public enum ClusterLayout {
    /// Which node a room's senders connect to.
    public enum SenderNode: Sendable, Equatable {
        case fixed(Int)
        /// Room r's senders on node r % nodes: every node publishes and every node receives.
        case rotating
    }

    /// Per room: `sendersPerRoom` senders on the room's sender node, then `readersPerNode`
    /// readers on each other node (on node 0 when there is only one node). Rooms in order.
    public static func seats(rooms: Int, nodes: Int, sendersPerRoom: Int, readersPerNode: Int,
                             senderNode: SenderNode) -> [ClusterSeat] {
        guard rooms > 0, nodes > 0 else { return [] }
        var seats: [ClusterSeat] = []
        for room in 0..<rooms {
            let home: Int
            switch senderNode {
            case .fixed(let node): home = min(max(node, 0), nodes - 1)
            case .rotating: home = room % nodes
            }
            for _ in 0..<sendersPerRoom { seats.append(ClusterSeat(node: home, room: room, role: .sender)) }
            let readerNodes = nodes == 1 ? [0] : (0..<nodes).filter { $0 != home }
            for node in readerNodes {
                for _ in 0..<readersPerNode { seats.append(ClusterSeat(node: node, room: room, role: .reader)) }
            }
        }
        return seats
    }

    /// How many readers each room has: every sender's message is due at that many clients.
    public static func readersPerRoom(_ seats: [ClusterSeat], rooms: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: max(rooms, 0))
        for seat in seats where seat.role == .reader && seat.room < counts.count { counts[seat.room] += 1 }
        return counts
    }
}
