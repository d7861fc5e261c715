/// What one round of reaping took: the dead nodes this caller released (each released by
/// exactly one caller cluster-wide) and the leaves it must announce.
public struct ReapedNodes: Equatable, Sendable {
    public var nodes: [String]
    public var leaves: [ReapedLeave]

    public init(nodes: [String] = [], leaves: [ReapedLeave] = []) {
        self.nodes = nodes
        self.leaves = leaves
    }
}
