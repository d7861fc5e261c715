import GridlineCluster
import GridlineJSON
import GridlineLoop

/// Asking every node at once (SPEC §15: REST on any node acts on the whole cluster): a call
/// goes out on the cluster channel, each other node runs the handler registered for its `op`
/// and answers to the caller's inbox. `PUBLISH` says how many nodes listen, so the caller
/// knows how many answers to wait for; a node that does not answer within `timeout` is left
/// out rather than hanging the request. Loop thread only.
final class ClusterCalls {
    unowned(unsafe) let cluster: ClusterService
    typealias Handler = (ClusterEnvelope) -> JSONObject

    private var handlers: [String: Handler] = [:]
    private struct Waiting {
        var expected: Int?
        var answers: [JSONObject] = []
        let completion: ([JSONObject]) -> Void
        var timer: TimerHandle?
    }
    private var waiting: [UInt64: Waiting] = [:]
    private var nextID: UInt64 = 0
    static let timeout = 1.0

    init(cluster: ClusterService) {
        self.cluster = cluster
    }

    func on(_ op: String, _ handler: @escaping Handler) {
        handlers[op] = handler
    }

    /// Runs `op` on every other node; `completion` gets their answers (not this node's).
    func call(_ op: String, _ fields: [(String, JSONValue)] = [], body: [UInt8] = [],
              completion: @escaping ([JSONObject]) -> Void) {
        nextID += 1
        let id = nextID
        var header = JSONObject([("k", "call"), ("op", .string(op)), ("id", JSONValue(Int64(id))),
                                 ("from", .string(cluster.nodeID))])
        header.members += fields
        let timer = cluster.server.loop.schedule(after: Self.timeout) { [unowned self] in self.finish(id) }
        waiting[id] = Waiting(completion: completion, timer: timer)
        cluster.client.publish(cluster.signer.seal(ClusterEnvelope(header: header, body: body)),
                               to: ClusterService.clusterChannel.name) { [unowned self] result in
            guard case .success(let listeners) = result else { return self.finish(id) }
            self.waiting[id]?.expected = max(0, Int(listeners) - 1)  // every node listens, this one too
            self.finishIfComplete(id)
        }
    }

    func receiveCall(_ envelope: ClusterEnvelope) {
        guard let from = envelope.string("from"), from != cluster.nodeID, let op = envelope.string("op"),
              let id = envelope.int64("id") else { return }
        var answer = handlers[op]?(envelope) ?? JSONObject()
        answer.members += [("k", "ret"), ("id", JSONValue(id)), ("from", .string(cluster.nodeID))]
        cluster.send(ClusterEnvelope(header: answer), toNode: from)
    }

    func receiveReturn(_ envelope: ClusterEnvelope) {
        guard let id = envelope.int64("id").map(UInt64.init), waiting[id] != nil else { return }
        waiting[id]?.answers.append(envelope.header)
        finishIfComplete(id)
    }

    private func finishIfComplete(_ id: UInt64) {
        guard let entry = waiting[id], let expected = entry.expected, entry.answers.count >= expected else { return }
        finish(id)
    }

    private func finish(_ id: UInt64) {
        guard let entry = waiting.removeValue(forKey: id) else { return }
        entry.timer?.cancel()
        entry.completion(entry.answers)
    }
}
