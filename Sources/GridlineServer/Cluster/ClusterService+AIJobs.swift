import GridlineCluster
import GridlineJSON
import GridlineStore

/// AI jobs run on the node that took their request (SPEC §7), so when that process is gone its
/// running jobs can never finish. They end as errors: a dead node's by the survivor that reaped
/// it, a crashed predecessor's by the node registered under its id again, and a node's own when
/// it shuts down, so a client reading its job on any node learns how it ended.
extension ClusterService {
    /// After registering: jobs of earlier processes under this id (this one holds the id now).
    func endPredecessorsJobs() {
        endJobs(of: nodeID, sparing: incarnation, message: AIJobStore.interruptedMessage)
    }

    /// After this node reaped `node`: its jobs, sparing a process that has taken the id since.
    func endJobs(ofReapedNode node: String) {
        client.send(["GET", ClusterKeys.node(node)]) { [unowned self] reply in
            switch reply {
            case .success(let holder):
                self.endJobs(of: node, sparing: holder.string, message: AIJobStore.nodeLostMessage(node))
            case .failure(let error):
                // Left running until a process registers under that id again.
                self.server.log(.warn, "ai_jobs_not_ended", [("node", .string(node)), ("error", .string("\(error)"))])
            }
        }
    }

    /// At shutdown, before the store closes: this node's jobs stop with it.
    func endOwnJobs() {
        endJobs(of: nodeID, sparing: nil, message: AIJobStore.interruptedMessage)
    }

    private func endJobs(of node: String, sparing incarnation: String?, message: String) {
        let now = Timestamp.nowMilliseconds()
        server.store.writer.submit({ db in
            try AIJobStore.markInterruptedJobs(db, nodeID: node, sparing: incarnation, message: message, now: now)
        }, completion: server.onLoop { [unowned self] (result: Result<Int, Error>) in
            if case .success(let count) = result, count > 0 {
                self.server.log(.info, "ai_jobs_interrupted", [("node", .string(node)), ("jobs", JSONValue(count))])
            }
        })
    }
}
