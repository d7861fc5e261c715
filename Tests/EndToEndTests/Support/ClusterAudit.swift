import Foundation
import XCTest

/// Reads the demo sheet back after a cluster test — its whole history through `sync` from 0 and
/// its cells through REST — and checks writers' applied writes against both.
enum ClusterAudit {
    /// The sheet's history as replayed by `sync {since_seq: 0}` on a fresh connection to `port`,
    /// checked gap-free (seqs 1…N, each once) against the `sync_complete` seq.
    static func history(port: UInt16, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let auditor = try TestClient(port: port, token: Tokens.make(user: "auditor-\(UUID().uuidString.prefix(8))"))
        defer { auditor.close() }
        _ = try XCTUnwrap(auditor.expect("connection_established", file: file, line: line))
        auditor.send(["type": "join_room", "room_id": "demo"])
        _ = try XCTUnwrap(auditor.expect("room_state", file: file, line: line))
        let sync = auditor.syncReplay(since: 0, requestID: "audit")
        if sync.fellBackToSnapshot { XCTFail("sync from 0 fell back to a snapshot", file: file, line: line) }
        let replay = sync.updates
        let complete = sync.complete
        let last = try XCTUnwrap(complete?["seq"] as? Int, "no sync_complete after \(replay.count) updates", file: file, line: line)
        let seqs = replay.compactMap { $0["seq"] as? Int }
        XCTAssertEqual(seqs, last > 0 ? Array(1...last) : [], "history has every seq 1…\(last) once, in order",
                       file: file, line: line)
        return replay
    }

    /// The sheet's cells by id (value as text, version) through `GET /api/v1/sheets/demo-sheet`.
    static func cells(port: UInt16, file: StaticString = #filePath,
                      line: UInt = #line) throws -> [String: (value: String?, version: Int)] {
        let response = try REST.call(port, "GET", "/api/v1/sheets/demo-sheet")
        XCTAssertEqual(response.status, 200, file: file, line: line)
        var cells: [String: (value: String?, version: Int)] = [:]
        for cell in response.json?["cells"] as? [[String: Any]] ?? [] {
            guard let id = cell["cell_id"] as? String else { continue }
            cells[id] = (cell["value"] as? String, cell["version"] as? Int ?? 0)
        }
        return cells
    }

    /// Every applied write appears exactly once in `history` (acknowledged ones at their seq and
    /// version); no value of these writers appears twice; each cell's stored value is its last
    /// applied write or a later version.
    static func assertApplied(_ writers: [ClusterWriter], history: [[String: Any]],
                              cells: [String: (value: String?, version: Int)], file: StaticString = #filePath,
                              line: UInt = #line) {
        var occurrences: [String: [[String: Any]]] = [:]
        for event in history {
            if let value = event["value"] as? String { occurrences[value, default: []].append(event) }
        }
        for writer in writers {
            for (value, events) in occurrences where value.hasPrefix(writer.label + "-") && events.count > 1 {
                XCTFail("\(value) applied \(events.count) times at seqs \(events.map { $0["seq"] ?? "?" })",
                        file: file, line: line)
            }
            var lastByCell: [String: ClusterWriter.Applied] = [:]
            for write in writer.appliedWrites {
                lastByCell[write.cell] = write
                guard let event = occurrences[write.value]?.first else {
                    XCTFail("\(write.value) (\(write.acknowledged ? "acknowledged" : "seen applied")) is missing from the history",
                            file: file, line: line)
                    continue
                }
                XCTAssertEqual(event["cell_id"] as? String, write.cell, write.value, file: file, line: line)
                if let seq = write.seq {
                    XCTAssertEqual(event["seq"] as? Int, seq, "\(write.value) acknowledged at this seq", file: file, line: line)
                    XCTAssertEqual(event["version"] as? Int, write.version, write.value, file: file, line: line)
                }
            }
            for (cell, write) in lastByCell {
                let stored = cells[cell]
                XCTAssertTrue(stored?.value == write.value || (stored?.version ?? 0) > write.version,
                              "\(cell) holds \(String(describing: stored)), not \(write.value) v\(write.version) or later",
                              file: file, line: line)
            }
        }
    }

    /// The demo sheet's seq now, through a snapshot on `port`.
    static func sheetSeq(port: UInt16) throws -> Int {
        let client = try TestClient(port: port, token: Tokens.make(user: "seq-\(UUID().uuidString.prefix(8))"))
        defer { client.close() }
        _ = try XCTUnwrap(client.expect("connection_established"))
        client.send(["type": "join_room", "room_id": "demo"])
        _ = try XCTUnwrap(client.expect("room_state"))
        client.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet"])
        return try XCTUnwrap(client.expect("sheet_state")?["seq"] as? Int)
    }

    /// The user ids of the demo room's `room_state` as a fresh connection as `user` on `port` sees it.
    static func roomUsers(port: UInt16, user: String) throws -> [String] {
        let client = try TestClient(port: port, token: Tokens.make(user: user))
        defer { client.close() }
        _ = try XCTUnwrap(client.expect("connection_established"))
        client.send(["type": "join_room", "room_id": "demo"])
        let state = try XCTUnwrap(client.expect("room_state"))
        return (state["users"] as? [[String: Any]] ?? []).compactMap { $0["user_id"] as? String }
    }
}
