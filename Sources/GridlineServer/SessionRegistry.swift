import GridlineCollab

/// Every open client session, by connection id and by user, whatever transport carries it:
/// the per-user connection limit (SPEC §1) and "every connection of a user" are answered here.
/// Loop thread only.
final class SessionRegistry {
    private(set) var byID: [UInt64: ClientSession] = [:]
    /// Each user's sessions, oldest first.
    private var byUser: [String: ConnectionList] = [:]

    subscript(id: UInt64) -> ClientSession? { byID[id] }
    var count: Int { byID.count }
    var all: Dictionary<UInt64, ClientSession>.Values { byID.values }
    var ids: [UInt64] { Array(byID.keys) }

    @discardableResult
    /// Adds a session; returns the user's oldest sessions past `limit`, which the caller closes.
    func add(_ session: ClientSession, limit: Int) -> [ClientSession] {
        byID[session.id] = session
        var list = byUser.removeValue(forKey: session.user.id) ?? ConnectionList()
        list.append(session.id)
        var superseded: [ClientSession] = []
        while list.count > limit, let oldest = list.removeOldest() {
            if let old = byID[oldest] { superseded.append(old) }
        }
        byUser[session.user.id] = list
        return superseded
    }

    func remove(_ session: ClientSession) {
        guard byID.removeValue(forKey: session.id) != nil else { return }
        if var list = byUser.removeValue(forKey: session.user.id) {
            list.remove(session.id)
            if !list.isEmpty { byUser[session.user.id] = list }
        }
    }

    /// A user's open sessions, oldest first.
    func sessions(of userID: String) -> [ClientSession] {
        guard let list = byUser[userID] else { return [] }
        return list.compactMap { byID[$0] }
    }

    /// Sends one message to every open session of a user; returns how many took it.
    @discardableResult
    func send(_ message: OutgoingMessage, toUser userID: String, except: ClientSession? = nil) -> Int {
        var delivered = 0
        for session in sessions(of: userID) where session !== except && session.send(message) { delivered += 1 }
        return delivered
    }
}
