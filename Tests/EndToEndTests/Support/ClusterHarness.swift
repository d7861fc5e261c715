import Foundation
import Glibc
import XCTest
import GridlineTestSupport

/// A Gridline cluster on loopback (SPEC §15): one `RedisServerProcess` and N `gridline serve` nodes
/// sharing one data directory, node i with `GRIDLINE_NODE_ID=node-i` and `REDIS_URL` of that
/// Redis. Nodes are killed, stopped, paused and restarted by index; everything is bounded in time
/// and only this harness's own PIDs are ever signalled. `shutdown()` (call it from tearDown)
/// always leaves nothing running.
final class ClusterHarness: @unchecked Sendable {  // driven from the test's thread only
    let redis: RedisServerProcess
    let dataDirectory: String
    let environment: [String: String]
    private var nodes: [ServerProcess]
    /// Processes replaced by a restart, kept for their logs.
    private var retired: [(index: Int, process: ServerProcess)] = []
    private var paused: Set<Int> = []

    /// High limits so storms measure the cluster, not the rate limiter; a test's own settings win.
    static let defaultEnvironment = [
        "WEBSOCKET_REQUESTS_PER_MINUTE": "10000000", "WEBSOCKET_REQUESTS_PER_HOUR": "100000000",
        "WEBSOCKET_CONNECT_RATE": "100000",
    ]

    /// Skips the calling test when `redis-server` is not installed.
    static func requireRedis() throws {
        guard RedisServerProcess.isInstalled else { throw XCTSkip("redis-server is not installed") }
    }

    /// Starts Redis, then node 0 alone (it applies migrations and loads the seed), then the others.
    init(nodes count: Int = 3, environment: [String: String] = [:]) throws {
        try Self.requireRedis()
        redis = try RedisServerProcess()
        dataDirectory = NSTemporaryDirectory() + "gridline-cluster-" + UUID().uuidString
        self.environment = Self.defaultEnvironment.merging(environment) { _, own in own }
        nodes = []
        do {
            for index in 0..<count {
                nodes.append(try ServerProcess(environment: nodeEnvironment(index), dataDirectory: dataDirectory))
            }
        } catch {
            shutdown()
            throw error
        }
    }

    deinit { shutdown() }

    var count: Int { nodes.count }

    func node(_ index: Int) -> ServerProcess { nodes[index] }

    /// The port node `index` listens on now (kept across restarts).
    func port(_ index: Int) -> UInt16 { nodes[index].port }

    var ports: [UInt16] { nodes.map(\.port) }

    func nodeID(_ index: Int) -> String { "node-\(index)" }

    func nodeEnvironment(_ index: Int, port: UInt16? = nil) -> [String: String] {
        var env = environment
        env["REDIS_URL"] = redis.url
        env["GRIDLINE_NODE_ID"] = nodeID(index)
        if let port { env["GRIDLINE_PORT"] = String(port) }
        return env
    }

    // MARK: Node faults

    /// SIGKILL by PID (a paused node is killed too).
    func kill9(_ index: Int) {
        paused.remove(index)
        nodes[index].kill9()
    }

    /// Graceful SIGTERM (SIGKILL after `timeout`); returns the exit status, -1 if it had to be killed.
    @discardableResult
    func stop(_ index: Int, timeout: TimeInterval = 10) -> Int32 {
        resume(index)
        return nodes[index].stop(timeout: timeout)
    }

    /// SIGSTOP: the process is frozen with its sockets open, as in a long GC pause or a VM stall.
    func pause(_ index: Int) {
        guard nodes[index].process.isRunning, !paused.contains(index) else { return }
        kill(nodes[index].pid, SIGSTOP)
        paused.insert(index)
    }

    /// SIGCONT after `pause`.
    func resume(_ index: Int) {
        guard paused.remove(index) != nil, nodes[index].process.isRunning else { return }
        kill(nodes[index].pid, SIGCONT)
    }

    /// Starts node `index` again with the same node id and data directory, on the same port unless
    /// `samePort` is false. Stops the old process first if it still runs. A node that finds its id
    /// still alive in Redis under the dead incarnation refuses to start (SPEC §15 design: the
    /// alive key lives 5 s), so start-up is retried until `timeout`.
    func restart(_ index: Int, samePort: Bool = true, timeout: TimeInterval = 20) throws {
        let old = nodes[index]
        if old.process.isRunning { stop(index) }
        retired.append((index, old))
        let deadline = Date().addingTimeInterval(timeout)
        var lastError: Error?
        while Date() < deadline {
            do {
                let process = try ServerProcess(environment: nodeEnvironment(index, port: samePort ? old.port : nil),
                                                dataDirectory: dataDirectory)
                nodes[index] = process
                return
            } catch {
                lastError = error
                usleep(300_000)
            }
        }
        throw lastError ?? ClusterHarnessError.nodeDidNotStart(index)
    }

    // MARK: Redis faults

    func killRedis() { redis.kill9() }

    /// Redis back on the same port, empty (it keeps no data).
    func restartRedis() throws { try redis.restart() }

    // MARK: Teardown and diagnostics

    /// Resumes paused nodes, stops every node (in parallel, SIGKILL after 5 s), stops Redis and
    /// removes the data directory. Safe to call more than once.
    func shutdown() {
        for index in paused { if nodes[index].process.isRunning { kill(nodes[index].pid, SIGCONT) } }
        paused.removeAll()
        let running = (nodes + retired.map(\.process)).filter { $0.process.isRunning }
        DispatchQueue.concurrentPerform(iterations: running.count) { running[$0].stop(timeout: 5) }
        redis.stop()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// The tail of every node's log (current and replaced processes), for failure messages.
    func logs(tail: Int = 3000) -> String {
        var text = ""
        for (index, process) in retired { text += "--- node-\(index) (replaced) ---\n" + process.log.suffix(tail) + "\n" }
        for (index, process) in nodes.enumerated() { text += "--- node-\(index) ---\n" + process.log.suffix(tail) + "\n" }
        return text
    }
}

/// Why the harness could not bring a node up.
enum ClusterHarnessError: Error {
    case nodeDidNotStart(Int)
}
