import GridlineCluster
import GridlineJSON
import GridlineLoop
import GridlineRedis
import GridlineStore

/// Which node owns each shard of rooms (SPEC §15), as far as this node knows. A shard is
/// taken on demand by the first node with a write for it and no live owner: the lease in Redis
/// first (`ShardLeases`), then the fencing number claimed in SQLite, which every later write
/// transaction checks. An owner keeps renewing while it runs; it writes on while Redis is away
/// (nobody can take the shard without Redis, and the fence refuses it if somebody did) and
/// gives the shard up at once when a renewal or a transaction says it is no longer the owner.
/// Loop thread only.
final class ShardOwnership {
    unowned(unsafe) let cluster: ClusterService
    let leases: ShardLeases

    enum Route {
        /// Apply here, inside a transaction that checks this fence.
        case local(shard: Int, fence: Int64)
        /// Forward to this node.
        case remote(node: String)
        case unavailable(String)
    }

    private enum State {
        case unknown
        case acquiring([(Route) -> Void])
        case owned(fence: Int64)
        case remote(node: String)
    }

    private var states = [State](repeating: .unknown, count: ShardMap.shardCount)
    /// Set by a graceful shutdown: shards were handed over and are never taken again.
    private var stopping = false

    init(cluster: ClusterService) {
        self.cluster = cluster
        leases = ShardLeases(client: cluster.client, nodeID: cluster.nodeID, incarnation: cluster.incarnation,
                             ttlMilliseconds: ClusterService.leaseMilliseconds)
    }

    var ownedShards: [(shard: Int, fence: Int64)] {
        states.indices.compactMap { shard in
            if case .owned(let fence) = states[shard] { return (shard, fence) }
            return nil
        }
    }

    func owns(shard: Int) -> Int64? {
        if case .owned(let fence) = states[shard] { return fence }
        return nil
    }

    func start() {
        scheduleRenewal()
    }

    /// Where a write to `roomID` goes now; may ask Redis (and SQLite, to take the shard over).
    func route(room roomID: String, completion: @escaping (Route) -> Void) {
        let shard = ShardMap.shard(ofRoom: roomID)
        if stopping { return completion(.unavailable("this node is shutting down")) }
        switch states[shard] {
        case .owned(let fence): completion(.local(shard: shard, fence: fence))
        case .remote(let node): completion(.remote(node: node))
        case .acquiring(var waiters):
            waiters.append(completion)
            states[shard] = .acquiring(waiters)
        case .unknown:
            states[shard] = .acquiring([completion])
            acquire(shard)
        }
    }

    /// The owner we forwarded to did not answer or said it is not the owner: ask again next time.
    func forget(shard: Int) {
        if case .remote = states[shard] { states[shard] = .unknown }
    }

    /// A transaction found a newer fence: another node took the shard over.
    func lost(shard: Int, fence: Int64) {
        if case .owned(let held) = states[shard], held == fence {
            states[shard] = .unknown
            cluster.server.log(.warn, "shard_lost", [("shard", JSONValue(shard)), ("fence", JSONValue(fence))])
        }
    }

    private func finish(_ shard: Int, _ state: State, _ route: Route) {
        guard case .acquiring(let waiters) = states[shard] else { return }
        states[shard] = state
        for waiter in waiters { waiter(route) }
    }

    /// Lease from Redis with the database's fence as the floor, then the fence claimed in SQLite.
    private func acquire(_ shard: Int) {
        let server = cluster.server
        server.store.reader.submit({ db in try ShardFences.current(db, shard: shard) },
                                   completion: server.onLoop { [unowned self] (floor: Result<Int64, Error>) in
            guard case .success(let floor) = floor else {
                return self.finish(shard, .unknown, .unavailable("the database could not be read"))
            }
            self.leases.acquire(shard: shard, floor: floor) { [unowned self] result in
                switch result {
                case .success(.heldBy(let node, _)) where node == self.cluster.nodeID:
                    // Our id under another incarnation: a previous run whose lease has not expired.
                    self.finish(shard, .unknown, .unavailable("the room's previous owner (this node's last run) still holds it"))
                case .success(.heldBy(let node, _)):
                    self.finish(shard, .remote(node: node), .remote(node: node))
                case .success(.owned(let fence)):
                    self.claim(shard, fence: fence)
                case .failure(let error):
                    self.finish(shard, .unknown, .unavailable("Redis is unreachable (\(error))"))
                }
            }
        })
    }

    private func claim(_ shard: Int, fence: Int64) {
        let server = cluster.server
        let node = cluster.nodeID
        let now = Timestamp.nowMilliseconds()
        server.store.writer.submit({ db in try ShardFences.claim(db, shard: shard, fence: fence, node: node, now: now) },
                                   completion: server.onLoop { [unowned self] (result: Result<Int64, Error>) in
            switch result {
            case .success(let current) where current == fence:
                self.cluster.server.log(.info, "shard_acquired", [("shard", JSONValue(shard)), ("fence", JSONValue(fence))])
                self.finish(shard, .owned(fence: fence), .local(shard: shard, fence: fence))
                self.cluster.bus.ownerChanged(shard: shard)
            case .success:
                // The database has a newer number than Redis gave us: give the lease back.
                self.leases.release([(shard, fence)])
                self.finish(shard, .unknown, .unavailable("the room is being taken over; try again"))
            case .failure(let error):
                self.leases.release([(shard, fence)])
                self.finish(shard, .unknown, .unavailable("the database refused the takeover (\(error))"))
            }
        })
    }

    private func scheduleRenewal() {
        cluster.server.loop.schedule(after: ClusterService.renewInterval) { [weak self] in
            guard let self else { return }
            let held = self.ownedShards
            self.leases.renew(held) { [weak self] result in
                guard let self, case .success(let lost) = result else { return }  // Redis away: keep writing, fenced
                for shard in lost {
                    for (owned, fence) in held where owned == shard { self.lost(shard: shard, fence: fence) }
                }
            }
            self.scheduleRenewal()
        }
    }

    func releaseAll() {
        stopping = true
        let held = ownedShards
        for (shard, _) in held { states[shard] = .unknown }
        leases.release(held)
    }
}
