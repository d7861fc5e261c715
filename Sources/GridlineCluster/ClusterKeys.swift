/// Names of every Redis key and channel the cluster uses (the design file of issue 14, SPEC §15),
/// in one place so that Swift and the Lua scripts agree. Ids must not contain a newline (entries
/// join their parts with one) and node ids must not contain "/" (connection members do).
public enum ClusterKeys {
    /// SET of node ids ever registered; survivors scan it to reap dead nodes.
    public static let nodes = "gl:nodes"
    /// Plain channel for cluster-wide messages (notifications, directory changes, REST broadcasts).
    public static let clusterChannel = "gl:cluster"

    /// A node's alive key; its value is the process's incarnation.
    public static func node(_ node: String) -> String { "gl:node:" + node }
    /// SET of presence entries ("<room>\n<user>\n<conn>") the node added.
    public static func nodeEntries(_ node: String) -> String { "gl:node:" + node + ":entries" }
    /// SET of connection entries ("<user>\n<node>/<conn>") the node added.
    public static func nodeConnections(_ node: String) -> String { "gl:node:" + node + ":conns" }

    public static func lease(shard: Int) -> String { "gl:lease:\(shard)" }
    public static func fence(shard: Int) -> String { "gl:fence:\(shard)" }

    /// HASH user id -> number of that user's connections in the room, cluster-wide.
    public static func roomUsers(_ room: String) -> String { "gl:room:" + room + ":users" }
    /// HASH user id -> presence JSON.
    public static func roomInfo(_ room: String) -> String { "gl:room:" + room + ":info" }

    /// ZSET of the user's connections ("<node>/<conn>") scored by connect time.
    public static func userConnections(_ user: String) -> String { "gl:user:" + user + ":conns" }

    /// A node's own plain channel (forwarded writes, replies, control).
    public static func inbox(_ node: String) -> String { "gl:inbox:" + node }
    /// A room's sharded channel (SPUBLISH); the braces make the room id the hash tag.
    public static func roomChannel(_ room: String) -> String { "gl:room:{" + room + "}" }
    /// The room a `roomChannel` name is for; nil for any other name.
    public static func room(ofChannel name: String) -> String? {
        guard name.hasPrefix("gl:room:{"), name.hasSuffix("}") else { return nil }
        return String(name.dropFirst("gl:room:{".count).dropLast())
    }

    /// One connection's member in a user's connections ZSET.
    public static func connectionMember(node: String, connection: String) -> String { node + "/" + connection }
    /// One presence entry in a node's entries SET.
    public static func presenceEntry(room: String, user: String, connection: String) -> String {
        room + "\n" + user + "\n" + connection
    }
    /// One connection entry in a node's conns SET.
    public static func connectionEntry(user: String, member: String) -> String { user + "\n" + member }

    /// The node part of a "<node>/<conn>" member.
    public static func node(ofMember member: String) -> String {
        member.firstIndex(of: "/").map { String(member[..<$0]) } ?? member
    }
}
