import Foundation
import XCTest

/// SPEC §15 "Bad input and faults": the owner's storage fills up. `GRIDLINE_MAX_DATABASE_MB`
/// caps the shared file, so SQLite answers SQLITE_FULL exactly as on a full disk. Writes
/// forwarded from another node are then refused with a clear error, promptly; what was
/// acknowledged is there once, what was refused is nowhere, and both nodes keep serving.
final class ClusterStorageEndToEndTests: ClusterTestCase {
    func testAFullDatabaseOnTheOwnerRefusesForwardedWritesClearlyAndStoresNothingTwice() throws {
        let cluster = try startCluster(nodes: 2, ["GRIDLINE_MAX_DATABASE_MB": "1",
                                                  "WEBSOCKET_REQUESTS_PER_MINUTE": "100000"])
        // Node 0 takes the demo room's shard with the first write.
        let local = try TestClient.joined(port: cluster.port(0), user: "owner-side")
        local.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Y1", "value": "claim", "request_id": "claim"])
        XCTAssertEqual(local.cellReply(to: "claim")?["type"] as? String, "cell_updated")

        // Each 30 KB value takes about sixteen pages (the cell and its history row) of the 256 allowed.
        let remote = try TestClient.joined(port: cluster.port(1), user: "far-side")
        var acknowledged: [String] = []
        var refusal: [String: Any]?
        var refusedValue: String?
        for index in 0..<40 {
            let value = "\(index)-" + String(repeating: "x", count: 30_000)
            let id = "big-\(index)"
            remote.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Z\(index + 1)", "value": value,
                         "request_id": id])
            let started = Date()
            let answer = try XCTUnwrap(remote.cellReply(to: id), "write \(index) was answered\n" + cluster.logs())
            XCTAssertLessThan(Date().timeIntervalSince(started), 5, "answered promptly, not after the forward's deadline")
            if answer["type"] as? String == "cell_updated" {
                acknowledged.append(value)
            } else {
                refusal = answer
                refusedValue = value
                break
            }
        }
        let refused = try XCTUnwrap(refusal, "the 1 MiB database filled within 40 writes of 30 KB")
        XCTAssertEqual(refused["code"] as? String, "INTERNAL_ERROR")
        XCTAssertEqual(refused["error"] as? String, "the server's storage is full; the update was not stored")
        XCTAssertEqual(refused["recoverable"] as? Bool, true)
        XCTAssertGreaterThan(acknowledged.count, 3, "writes went through until the file was full")

        print("full database: \(acknowledged.count) writes of 30 KB acknowledged, then refused")
        // Once full it stays a clear refusal, on the owner's own clients too.
        local.send(["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": "Y2",
                    "value": String(repeating: "y", count: 30_000), "request_id": "local-big"])
        XCTAssertEqual(local.cellReply(to: "local-big")?["error"] as? String, "the server's storage is full; the update was not stored")

        // Every acknowledged value is in the history once, the refused one is not, and the
        // cells say the same.
        let history = try ClusterAudit.history(port: cluster.port(1))
        let values = history.compactMap { $0["value"] as? String }
        for value in acknowledged {
            XCTAssertEqual(values.filter { $0 == value }.count, 1, "acknowledged value \(value.prefix(8)) once")
        }
        XCTAssertFalse(values.contains(refusedValue ?? ""), "the refused write is not stored")
        let cells = try ClusterAudit.cells(port: cluster.port(0))
        XCTAssertNil(cells["Z\(acknowledged.count + 1)"], "nor is its cell")
        XCTAssertEqual(cells["Z\(acknowledged.count)"]?.value, acknowledged.last)

        // Both nodes still serve: health, and a cursor from one node reaches the other.
        for port in cluster.ports { XCTAssertEqual(try REST.call(port, "GET", "/api/v1/health").status, 200) }
        local.send(["type": "cursor_move", "room": "demo", "x": 1, "y": 2, "cell": "A1"])
        XCTAssertNotNil(remote.expect("cursor_moved", timeout: 5))
    }
}
