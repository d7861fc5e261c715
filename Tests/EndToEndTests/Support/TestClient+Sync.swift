import Foundation

/// What a `sync` answered: the replayed updates, then `sync_complete` (nil when none came in
/// time), or the sheet's state when the server fell back to a snapshot.
struct SyncReplay {
    var updates: [[String: Any]] = []
    var complete: [String: Any]?
    var fellBackToSnapshot = false
}

extension TestClient {
    /// Sends `sync {since_seq}` for `sheet` and collects its answer (bounded by `timeout`).
    func syncReplay(sheet: String = "demo-sheet", since: Int, requestID: String, timeout: TimeInterval = 30) -> SyncReplay {
        send(["type": "sync", "sheet_id": sheet, "since_seq": since, "request_id": requestID])
        var replay = SyncReplay()
        let deadline = Date().addingTimeInterval(timeout)
        while replay.complete == nil, !replay.fellBackToSnapshot, deadline.timeIntervalSinceNow > 0,
              let message = nextMessage(timeout: deadline.timeIntervalSinceNow) {
            switch message["type"] as? String {
            case "cell_updated": replay.updates.append(message)
            case "sync_complete": replay.complete = message
            case "sheet_state": replay.fellBackToSnapshot = true
            default: continue
            }
        }
        return replay
    }
}
