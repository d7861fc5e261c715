import Foundation
import XCTest

/// A writer on its own thread that keeps writing unique values to its own cells of the demo sheet
/// with compare-and-set, one request in flight, through node failures: a write is retried on an
/// error or a timeout (with the version a conflict reports), and after a lost connection on the
/// next node of `ports`. Because only this writer writes its cells, a conflict whose current value
/// is the write's own value means the write was applied earlier (its ack lost), not that it lost.
final class ClusterWriter: @unchecked Sendable {  // the client is used by the writing thread only; results guarded by `lock`
    /// A write known to be applied: acknowledged by `cell_updated`, or seen as the current value.
    struct Applied {
        let cell: String
        let value: String
        let version: Int
        /// nil when the ack was lost and the value was seen in a conflict or a snapshot instead.
        let seq: Int?
        let sentAt: Date
        let appliedAt: Date
        var acknowledged: Bool { seq != nil }
    }

    let label: String
    let cells: [String]
    private let ports: [UInt16]
    private var portIndex: Int
    /// Reply timeout per attempt: longer than the 10 s after which an unreachable owner is refused.
    var replyTimeout: TimeInterval = 12
    private var client: TestClient?
    private var versions: [String: Int] = [:]
    /// This writer's cells' values in the last snapshot (after each (re)connect).
    private var snapshotValues: [String: String] = [:]
    private let lock = NSLock()
    private var applied: [Applied] = []
    private var refusals: [String] = []
    private var notes: [String] = []
    private var reconnects = 0
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    /// `ports`: the node to start on first, then where to go when a connection is lost.
    init(label: String, ports: [UInt16], cells: [String]) {
        self.label = label
        self.ports = ports
        self.cells = cells
        portIndex = 0
    }

    /// Starts writing until `maxWrites` values were applied, `deadline` passes or `stop()`;
    /// pauses `pause` seconds between writes.
    func start(maxWrites: Int, until deadline: Date, pause: TimeInterval = 0.005) {
        Thread.detachNewThread { [self] in
            defer { finished.signal() }
            run(maxWrites: maxWrites, deadline: deadline, pause: pause)
        }
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
    }

    /// Waits for the thread to end; false after `timeout`.
    func wait(timeout: TimeInterval) -> Bool { finished.wait(timeout: .now() + timeout) == .success }

    var appliedWrites: [Applied] { locked { applied } }
    var refused: [String] { locked { refusals } }
    var problems: [String] { locked { notes } }
    var reconnectCount: Int { locked { reconnects } }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private var shouldStop: Bool { locked { stopping } }

    // MARK: Writing

    private func run(maxWrites: Int, deadline: Date, pause: TimeInterval) {
        var n = 0
        while n < maxWrites, Date() < deadline, !shouldStop {
            let cell = cells[n % cells.count]
            let value = "\(label)-\(n)"
            if !write(cell: cell, value: value, deadline: deadline.addingTimeInterval(20)) {
                locked { notes.append("\(value) never applied") }
            }
            n += 1
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
        client?.close()
    }

    /// One value, retried until applied or `deadline`; true when known applied.
    private func write(cell: String, value: String, deadline: Date) -> Bool {
        let sentAt = Date()
        var attempt = 0
        while Date() < deadline {
            guard let client = connectedClient(deadline: deadline) else { return false }
            if versions[cell] == nil, !refreshVersions(client) { continue }
            // A snapshot after a reconnect may show this value already there (applied, ack lost).
            if snapshotValues[cell] == value {
                record(Applied(cell: cell, value: value, version: versions[cell] ?? 0, seq: nil, sentAt: sentAt,
                               appliedAt: Date()))
                return true
            }
            attempt += 1
            let requestID = "\(value)#\(attempt)"
            client.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": cell, "value": value,
                         "version": versions[cell] ?? 0, "request_id": requestID])
            guard let reply = reply(client, prefix: "\(value)#", timeout: min(replyTimeout, deadline.timeIntervalSinceNow)) else {
                if client.socket.closedByPeer || client.closeCode != nil { drop() }
                continue  // timeout: resend with the same version; a duplicate cannot win twice
            }
            if reply["type"] as? String == "cell_updated" {
                guard reply["value"] as? String == value, let version = reply["version"] as? Int else {
                    locked { notes.append("\(requestID): malformed ack \(reply)") }
                    return false
                }
                versions[cell] = version
                record(Applied(cell: cell, value: value, version: version, seq: reply["seq"] as? Int, sentAt: sentAt,
                               appliedAt: Date()))
                return true
            }
            let code = reply["code"] as? String ?? "?"
            if code == "VERSION_CONFLICT", let current = reply["current"] as? [String: Any] {
                let version = current["version"] as? Int ?? 0
                versions[cell] = version
                if current["value"] as? String == value {
                    record(Applied(cell: cell, value: value, version: version, seq: nil, sentAt: sentAt, appliedAt: Date()))
                    return true
                }
                continue
            }
            locked { refusals.append("\(requestID): \(code) \(reply["error"] as? String ?? "")") }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    private func record(_ write: Applied) { locked { applied.append(write) } }

    /// The reply carrying a request id that starts with `prefix`; nil on timeout or a closed socket.
    private func reply(_ client: TestClient, prefix: String, timeout: TimeInterval) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(max(0, timeout))
        while deadline.timeIntervalSinceNow > 0 {
            guard let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) else { return nil }
            let type = message["type"] as? String
            if (type == "cell_updated" || type == "error"), (message["request_id"] as? String)?.hasPrefix(prefix) == true {
                return message
            }
        }
        return nil
    }

    // MARK: Connection

    private func drop() {
        client?.close()
        client = nil
        versions = [:]
        portIndex = (portIndex + 1) % ports.count
    }

    /// The current connection, or a new one (joined, versions read) on the next node that answers.
    private func connectedClient(deadline: Date) -> TestClient? {
        if let client { return client }
        while Date() < deadline, !shouldStop {
            let port = ports[portIndex]
            if let fresh = try? TestClient(port: port, token: Tokens.make(user: label)), fresh.upgraded,
               fresh.nextMessage(timeout: 3)?["type"] as? String == "connection_established" {
                fresh.send(["type": "join_room", "room_id": "demo", "request_id": "\(label)-join"])
                if reply(fresh, type: "room_state", timeout: 5) != nil, refreshVersions(fresh) {
                    client = fresh
                    locked { reconnects += 1 }
                    return fresh
                }
                fresh.close()
            }
            portIndex = (portIndex + 1) % ports.count
            Thread.sleep(forTimeInterval: 0.2)
        }
        return nil
    }

    private func reply(_ client: TestClient, type: String, timeout: TimeInterval) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let message = client.nextMessage(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if message["type"] as? String == type { return message }
        }
        return nil
    }

    /// Reads this writer's cells' versions from a snapshot.
    private func refreshVersions(_ client: TestClient) -> Bool {
        client.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet", "request_id": "\(label)-snap"])
        guard let state = reply(client, type: "sheet_state", timeout: 5) else { return false }
        var fresh: [String: Int] = [:]
        var values: [String: String] = [:]
        for cell in cells { fresh[cell] = 0 }
        for cell in state["cells"] as? [[String: Any]] ?? [] {
            guard let id = cell["cell_id"] as? String, cells.contains(id) else { continue }
            fresh[id] = cell["version"] as? Int ?? 0
            values[id] = cell["value"] as? String
        }
        versions = fresh
        snapshotValues = values
        return true
    }
}
