import Foundation
import XCTest

/// A room member that only listens, on its own thread: it records every message it hears with its
/// arrival time, so a test can check that a node's clients got each `cell_updated` of the demo
/// sheet once and in seq order, and when presence events arrived.
final class SeqReader: @unchecked Sendable {  // `client` is used by the reading thread only; the rest is guarded by `lock`
    /// A message and when it arrived.
    struct Heard {
        let message: [String: Any]
        let at: Date
        var type: String { message["type"] as? String ?? "" }
    }

    let user: String
    let port: UInt16
    /// The demo sheet's seq when this reader joined (from its `sheet_snapshot`).
    let baseSeq: Int
    let connectionID: String
    private let client: TestClient
    private let lock = NSLock()
    private var heard: [Heard] = []
    private var stopping = false
    private var closed: UInt16?
    private let finished = DispatchSemaphore(value: 0)

    init(port: UInt16, user: String, room: String = "demo", sheet: String = "demo-sheet") throws {
        self.user = user
        self.port = port
        client = try TestClient(port: port, token: Tokens.make(user: user))
        let established = try XCTUnwrap(client.expect("connection_established"), "\(user) on \(port)")
        connectionID = established["connection_id"] as? String ?? ""
        client.send(["type": "join_room", "room_id": room, "request_id": "\(user)-join"])
        _ = try XCTUnwrap(client.expect("room_state"), "\(user) joined")
        client.send(["type": "sheet_snapshot", "sheet_id": sheet, "request_id": "\(user)-snap"])
        let state = try XCTUnwrap(client.expect("sheet_state"), "\(user) snapshot")
        baseSeq = try XCTUnwrap(state["seq"] as? Int)
        Thread.detachNewThread { [self] in read() }
    }

    private func read() {
        defer { finished.signal() }
        while true {
            lock.lock()
            let stop = stopping
            lock.unlock()
            if stop { return }
            if let message = client.nextMessage(timeout: 0.1) {
                lock.lock()
                heard.append(Heard(message: message, at: Date()))
                lock.unlock()
            } else if client.socket.closedByPeer || client.closeCode != nil {
                lock.lock()
                closed = client.closeCode ?? 1006
                lock.unlock()
                return
            }
        }
    }

    /// Stops the reading thread (≤ 2 s) and closes the socket.
    func stop() {
        lock.lock()
        let already = stopping
        stopping = true
        lock.unlock()
        guard !already else { return }
        _ = finished.wait(timeout: .now() + 2)
        client.close()
    }

    deinit { stop() }

    /// Everything heard so far, in arrival order.
    var messages: [Heard] {
        lock.lock()
        defer { lock.unlock() }
        return heard
    }

    /// The close code if the server closed this reader's socket (1006 when there was no close frame).
    var closeCode: UInt16? {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }

    /// Seqs of the demo sheet's `cell_updated` (and `cells_updated` cells) heard, in arrival order.
    var seqs: [Int] {
        messages.flatMap { heard -> [Int] in
            switch heard.type {
            case "cell_updated": return [heard.message["seq"] as? Int].compactMap { $0 }
            case "cells_updated": return (heard.message["cells"] as? [[String: Any]] ?? []).compactMap { $0["seq"] as? Int }
            default: return []
            }
        }
    }

    /// The `cell_updated` messages heard, in arrival order.
    var cellEvents: [[String: Any]] { messages.filter { $0.type == "cell_updated" }.map(\.message) }

    func heard(_ type: String, where predicate: ([String: Any]) -> Bool = { _ in true }) -> [Heard] {
        messages.filter { $0.type == type && predicate($0.message) }
    }

    /// Waits until a seq ≥ `seq` was heard; false after `timeout`.
    func waitUntil(seq: Int, timeout: TimeInterval) -> Bool {
        waitUntil(timeout: timeout) { ($0.seqs.max() ?? self.baseSeq) >= seq }
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes.
    func waitUntil(timeout: TimeInterval, _ condition: (SeqReader) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            usleep(20_000)
        }
        return condition(self)
    }

    /// Asserts this reader heard exactly the seqs baseSeq+1 … `last`, each once, in order.
    func assertHeardEverySeqOnce(through last: Int, _ context: String = "", file: StaticString = #filePath,
                                 line: UInt = #line) {
        let heard = seqs
        let expected = last > baseSeq ? Array((baseSeq + 1)...last) : []
        guard heard != expected else { return }
        var seen: [Int: Int] = [:]
        for seq in heard { seen[seq, default: 0] += 1 }
        let twice = seen.filter { $0.value > 1 }.keys.sorted()
        let missing = expected.filter { seen[$0] == nil }
        let outOfOrder = zip(heard, heard.dropFirst()).filter { $0.0 >= $0.1 }.prefix(5)
        XCTFail("\(user) on \(port) \(context): heard \(heard.count) seqs, expected \(expected.count) (\(baseSeq + 1)…\(last));"
                + " missing \(missing.prefix(20)), twice \(twice.prefix(20)), out of order \(Array(outOfOrder))",
                file: file, line: line)
    }
}
