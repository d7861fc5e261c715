import Foundation
import GridlineCluster
import GridlineCollab
import GridlineJSON
import GridlineLoop
import GridlineRedis
import GridlineWebSocket

/// Users across nodes (SPEC §15): this node's liveness key, one presence per user per room
/// cluster-wide (Redis scripts report the first join and the last leave, so exactly one
/// `user_joined`/`user_left` goes out whichever node sees it), a dead node's users reaped by a
/// survivor, the per-user connection limit and the write rate counted over every node.
/// When Redis is away presence degrades to what this node sees; it is restored on reconnect.
/// Loop thread only.
final class ClusterUsers {
    unowned(unsafe) let cluster: ClusterService
    private var server: Server { cluster.server }
    let presence: ClusterPresence
    let liveness: NodeLiveness
    let connections: ClusterConnections
    let rates: ClusterRateCounter
    /// This node's id is held in Redis now; presence and connection changes wait while not.
    private(set) var registered = false
    /// Registered at least once: a later registration follows a lost Redis and must restore.
    private var everRegistered = false
    /// Presence and connection changes made before this node's first registration: run once it
    /// holds its id, after the cleanup of a crashed earlier run (which would erase them).
    private var beforeRegistration: [() -> Void] = []
    private var restoreOnRegistration = false
    /// When this node first found its id held by another incarnation (monotonic ns).
    private var idConflictSince: UInt64?
    static let maxQueuedBeforeRegistration = 100_000
    /// Users the cluster-wide limit refused, until when (monotonic ns).
    private var refusedUntil: [String: UInt64] = [:]

    init(cluster: ClusterService) {
        self.cluster = cluster
        presence = ClusterPresence(client: cluster.client, nodeID: cluster.nodeID)
        liveness = NodeLiveness(client: cluster.client)
        connections = ClusterConnections(client: cluster.client)
        rates = ClusterRateCounter(client: cluster.client)
    }

    func start() {
        register()
        scheduleHeartbeat()
    }

    // MARK: Liveness

    /// Clears what a crashed earlier run under this id left (only once its key expired), then
    /// takes the id. A second live process with the same id is refused: it exits.
    private func register() {
        let node = cluster.nodeID
        presence.reapNode(node) { [unowned self] _ in
            self.liveness.register(nodeID: node, incarnation: self.cluster.incarnation,
                                   ttlMilliseconds: ClusterService.leaseMilliseconds) { [unowned self] result in
                switch result {
                case .success(true):
                    self.idConflictSince = nil
                    guard !self.registered else { return }
                    let again = self.everRegistered
                    self.registered = true
                    self.everRegistered = true
                    self.server.log(.info, "node_registered", [("node", .string(node)), ("again", .bool(again))])
                    if !again { self.cluster.endPredecessorsJobs() }
                    let queued = self.beforeRegistration
                    self.beforeRegistration = []
                    for action in queued { action() }
                    if again || self.restoreOnRegistration { self.restore() }
                    self.restoreOnRegistration = false
                case .success(false):
                    // Another incarnation holds the id: this node's own predecessor killed a
                    // moment ago (its key expires within a TTL), or a second live process,
                    // which keeps renewing it. Only the second is refused.
                    if self.idConflictSince == nil { self.idConflictSince = self.server.loop.now }
                    let waited = Double(self.server.loop.now - self.idConflictSince!) / 1e9
                    guard waited > Double(ClusterService.leaseMilliseconds) / 1000 + 2 else {
                        self.server.log(.warn, "node_id_held", [("node", .string(node)), ("waited_s", .number(waited))])
                        return
                    }
                    let text = "node id '\(node)' is in use by another running process; set a different GRIDLINE_NODE_ID"
                    self.server.log(.error, "node_id_in_use", [("node", .string(node))])
                    FileHandle.standardError.write(Data("gridline: \(text)\n".utf8))
                    exit(3)
                case .failure:
                    break  // Redis away: the heartbeat tries again
                }
            }
        }
    }

    /// The command connection broke: Redis may come back empty (a restart), so changes wait
    /// and the node registers again, and restores its users, as soon as it is back.
    func redisStateChanged(up: Bool) {
        if up {
            register()
        } else {
            registered = false
        }
    }

    private func scheduleHeartbeat() {
        server.loop.schedule(after: ClusterService.renewInterval) { [weak self] in
            guard let self else { return }
            if self.registered {
                self.liveness.renew(nodeID: self.cluster.nodeID, incarnation: self.cluster.incarnation,
                                    ttlMilliseconds: ClusterService.leaseMilliseconds) { [weak self] result in
                    // Our key is gone (we were paused past it and reaped): register again and
                    // put our users back.
                    if case .success(false) = result {
                        self?.registered = false
                        self?.register()
                    }
                }
                self.reap()
            } else {
                self.register()
            }
            self.scheduleHeartbeat()
        }
    }

    /// Every local membership and connection, into Redis again (joins are idempotent).
    private func restore() {
        for session in server.sessions.all {
            registerConnection(session)
            for roomID in session.collab.rooms {
                guard let room = server.rooms[roomID] else { continue }
                let json = room.presences[session.user.id]?.json(formatTime: Timestamp.iso8601) ?? .null
                presence.join(room: roomID, userID: session.user.id, connection: String(session.id),
                              presenceJSON: json.serialized()) { _ in }
            }
        }
    }

    /// Survivors take a dead node's users out of their rooms (within the 5 s TTL plus a second).
    private func reap() {
        presence.reapDeadNodes(selfNodeID: cluster.nodeID) { [unowned self] result in
            guard case .success(let reaped) = result else { return }
            for leave in reaped.leaves { self.announceLeft(room: leave.room, userID: leave.userID, total: leave.totalUsers) }
            for node in reaped.nodes { self.cluster.endJobs(ofReapedNode: node) }
        }
    }

    /// Graceful shutdown: the node's entries go now, and their leaves are announced.
    func unregister(completion: @escaping () -> Void) {
        guard registered else { return completion() }
        liveness.unregister(nodeID: cluster.nodeID, incarnation: cluster.incarnation) { [unowned self] result in
            if case .success(let outcome) = result {
                for leave in outcome.leaves { self.announceLeft(room: leave.room, userID: leave.userID, total: leave.totalUsers) }
            }
            completion()
        }
    }

    /// Runs `action` now, or once this node is registered.
    private func whenRegistered(_ action: @escaping () -> Void) {
        if registered { return action() }
        if beforeRegistration.count >= Self.maxQueuedBeforeRegistration {
            beforeRegistration = []
            restoreOnRegistration = true  // the local state is what counts; it is written whole
        }
        beforeRegistration.append(action)
    }

    // MARK: Presence

    func joined(room roomID: String, session: ClientSession, presence json: JSONValue) {
        whenRegistered { [unowned self] in self.join(room: roomID, session: session, presence: json) }
    }

    private func join(room roomID: String, session: ClientSession, presence json: JSONValue) {
        let sessionID = session.id
        presence.join(room: roomID, userID: session.user.id, connection: String(session.id),
                      presenceJSON: json.serialized()) { [unowned self] result in
            guard case .success(let joined) = result, joined.first else { return }
            let frame = OutgoingMessage("user_joined", [
                ("room_id", .string(roomID)), ("user", json), ("total_users", JSONValue(joined.totalUsers)),
            ])
            self.server.rooms.broadcast(frame, roomID: roomID, except: self.server.sessions[sessionID])
        }
    }

    func left(room roomID: String, session: ClientSession) {
        whenRegistered { [unowned self] in self.leave(room: roomID, session: session) }
    }

    private func leave(room roomID: String, session: ClientSession) {
        presence.leave(room: roomID, userID: session.user.id, connection: String(session.id)) { [unowned self] result in
            guard case .success(let left) = result, left.last else { return }
            self.announceLeft(room: roomID, userID: session.user.id, total: left.totalUsers)
        }
    }

    func updated(room roomID: String, user userID: String, presence json: JSONValue) {
        presence.updateInfo(room: roomID, userID: userID, presenceJSON: json.serialized()) { _ in }
    }

    private func announceLeft(room roomID: String, userID: String, total: Int) {
        let frame = OutgoingMessage("user_left", [
            ("room_id", .string(roomID)), ("user_id", .string(userID)), ("total_users", JSONValue(total)),
        ])
        server.rooms.broadcast(frame, roomID: roomID, except: nil)
    }

    /// Every user present in the room on any node; nil when Redis cannot say.
    func roster(room roomID: String, completion: @escaping ([JSONValue]?) -> Void) {
        // Unregistered (Redis away): answer now from what this node sees rather than wait.
        guard registered else { return completion(nil) }
        readRoster(room: roomID, completion: completion)
    }

    private func readRoster(room roomID: String, completion: @escaping ([JSONValue]?) -> Void) {
        presence.roster(room: roomID) { result in
            guard case .success(let list) = result else { return completion(nil) }
            completion(list.compactMap { try? JSONParser.parse($0) }.filter { !$0.isNull })
        }
    }

    // MARK: Connections

    /// Counts the connection cluster-wide; the user's oldest past the limit are closed
    /// wherever they are.
    func registerConnection(_ session: ClientSession) {
        whenRegistered { [unowned self] in self.addConnection(session) }
    }

    private func addConnection(_ session: ClientSession) {
        let member = "\(cluster.nodeID)/\(session.id)"
        connections.register(userID: session.user.id, member: member,
                             limit: server.settings.maxConnectionsPerUser) { [unowned self] result in
            guard case .success(let evicted) = result else { return }
            for old in evicted { self.closeSuperseded(old) }
        }
    }

    func unregisterConnection(_ session: ClientSession) {
        whenRegistered { [unowned self] in self.removeConnection(session) }
    }

    private func removeConnection(_ session: ClientSession) {
        connections.unregister(userID: session.user.id, member: "\(cluster.nodeID)/\(session.id)") { _ in }
    }

    private func closeSuperseded(_ member: String) {
        guard let slash = member.lastIndex(of: "/"), let id = UInt64(member[member.index(after: slash)...]) else { return }
        let node = String(member[..<slash])
        if node == cluster.nodeID {
            server.sessions[id]?.close(code: CloseCode.policyViolation, reason: "superseded by a newer connection")
        } else {
            cluster.send(ClusterEnvelope(header: JSONObject([("k", "close"), ("conn", .string(String(id)))])), toNode: node)
        }
    }

    /// Another node's user opened one connection too many: close ours.
    func receiveClose(_ envelope: ClusterEnvelope) {
        guard let id = envelope.string("conn").flatMap(UInt64.init) else { return }
        server.sessions[id]?.close(code: CloseCode.policyViolation, reason: "superseded by a newer connection")
    }

    // MARK: Rate limits

    /// Write messages per user not yet added to the cluster's count.
    private var uncounted: [String: Int] = [:]
    private var rateFlushScheduled = false
    /// How often each node adds its counts up in Redis: the most a user can get past the
    /// cluster-wide limit is what it sends in this long.
    static let rateFlushInterval = 0.1

    /// The per-user write rate counted over every node. The local limiter answers at once; a
    /// user the cluster's count puts at a limit is refused here, and through a call on every
    /// other node, until the window ends.
    func checkRate(_ session: ClientSession) throws(MessageError) {
        let userID = session.user.id
        let now = server.loop.now
        if let until = refusedUntil[userID] {
            if now < until {
                server.stats.rateLimitEvents += 1
                let retry = Int((until - now + 999_999_999) / 1_000_000_000)
                throw MessageError(.RATE_LIMIT_EXCEEDED, "Rate limit exceeded across the cluster; retry in \(retry) s",
                                   extra: [("retry_after", JSONValue(retry))])
            }
            refusedUntil[userID] = nil
        }
        uncounted[userID, default: 0] += 1
        guard !rateFlushScheduled else { return }
        rateFlushScheduled = true
        server.loop.schedule(after: Self.rateFlushInterval) { [weak self] in self?.flushRates() }
    }

    private func flushRates() {
        rateFlushScheduled = false
        let counts = uncounted
        uncounted = [:]
        let settings = server.settings
        let limits = [settings.requestsPerMinute, settings.requestsPerHour]
        for (userID, delta) in counts {
            rates.add(userID: userID, delta: delta, windows: [60_000, 3_600_000]) { [weak self] result in
                guard let self, case .success(let windows) = result else { return }
                // At the limit: the next message would pass it. The other nodes hear it now
                // rather than at their next flush for this user.
                for (window, limit) in zip(windows, limits) where window.count >= limit {
                    let seconds = Double(window.remainingMilliseconds) / 1000
                    guard self.refuse(userID, forSeconds: seconds) else { continue }
                    self.cluster.calls.call("rate_refused", [("user", .string(userID)), ("seconds", .number(seconds))]) { _ in }
                }
            }
        }
    }

    /// Refuses the user's writes here for `seconds`; false when already refused at least that long.
    @discardableResult
    func refuse(_ userID: String, forSeconds seconds: Double) -> Bool {
        let until = server.loop.now + UInt64(max(0.001, seconds) * 1e9)
        guard until > refusedUntil[userID] ?? 0 else { return false }
        refusedUntil[userID] = until
        return true
    }

    func sweep(now: UInt64) {
        refusedUntil = refusedUntil.filter { $0.value > now }
    }
}
