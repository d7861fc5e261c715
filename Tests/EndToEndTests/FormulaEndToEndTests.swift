import Foundation
import XCTest

/// Server-evaluated formulas over the wire (SPEC §14): every collaborator sees the same
/// computed value, a dependent follows its precedent in the same commit, errors are values.
final class FormulaEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess(environment: ["WEBSOCKET_REQUESTS_PER_MINUTE": "100000",
                                                 "WEBSOCKET_REQUESTS_PER_HOUR": "1000000"])
    }

    override func tearDown() {
        server.stop()
    }

    private func update(_ client: TestClient, _ cell: String, value: Any = NSNull(), formula: String? = nil,
                        version: Int? = nil, id: String? = nil) {
        var message: [String: Any] = ["type": "cell_update", "sheet_id": "demo-sheet", "cell_id": cell, "value": value]
        if let formula { message["formula"] = formula }
        if let version { message["version"] = version }
        if let id { message["request_id"] = id }
        client.send(message)
    }

    func testADependentUpdatesForEveryoneAfterItsPrecedentChanges() throws {
        let alice = try TestClient.joined(port: server.port, user: "alice")
        let bob = try TestClient.joined(port: server.port, user: "bob")
        update(alice, "F1", value: 2)
        _ = alice.expect("cell_updated")
        update(alice, "F2", value: "ignored", formula: "=F1*10")
        let computed = try XCTUnwrap(bob.expect("cell_updated") { $0["cell_id"] as? String == "F2" })
        XCTAssertEqual(computed["value"] as? Int, 20)
        XCTAssertEqual(computed["formula"] as? String, "=F1*10")
        XCTAssertTrue(computed["error"] is NSNull)
        update(bob, "F1", value: 3, id: "bob-1")
        for client in [alice, bob] {
            let edit = try XCTUnwrap(client.expect("cell_updated") { $0["cell_id"] as? String == "F1" && $0["value"] as? Int == 3 })
            let recalculated = try XCTUnwrap(client.expect("cells_updated"))
            XCTAssertEqual(recalculated["recalculated"] as? Bool, true)
            XCTAssertEqual(recalculated["cause_seq"] as? Int, edit["seq"] as? Int)
            XCTAssertNil(recalculated["request_id"])
            let cells = try XCTUnwrap(recalculated["cells"] as? [[String: Any]])
            XCTAssertEqual(cells.count, 1)
            XCTAssertEqual(cells.first?["cell_id"] as? String, "F2")
            XCTAssertEqual(cells.first?["value"] as? Int, 30)
            XCTAssertEqual(cells.first?["version"] as? Int, 2)
            XCTAssertEqual(cells.first?["seq"] as? Int, (edit["seq"] as? Int ?? 0) + 1)
        }
    }

    func testTheSeedsConcatenateExampleGivesHelloWorld() throws {
        let alice = try TestClient.joined(port: server.port, user: "alice")
        update(alice, "G1", value: 0, formula: "=CONCATENATE('Hello', ' ', 'World')")
        XCTAssertEqual(alice.expect("cell_updated")?["value"] as? String, "Hello World")
    }

    func testAFormulaThatDoesNotParseIsRefusedWithItsPosition() throws {
        let alice = try TestClient.joined(port: server.port, user: "alice")
        update(alice, "G2", formula: "=SUM(1,2", id: "bad")
        let error = try XCTUnwrap(alice.expect("error"))
        XCTAssertEqual(error["code"] as? String, "INVALID_MESSAGE")
        XCTAssertEqual(error["request_id"] as? String, "bad")
        let text = try XCTUnwrap(error["error"] as? String)
        XCTAssertTrue(text.contains("formula") && text.contains("position 8"), text)
        let sheet = try REST.call(server.port, "GET", "/api/v1/sheets/demo-sheet")
        XCTAssertFalse((sheet.json?["cells"] as? [[String: Any]] ?? []).contains { $0["cell_id"] as? String == "G2" })
        for (formula, expected) in [(String(repeating: "(", count: 65) + "1" + String(repeating: ")", count: 65), "deep"),
                                    ("=" + String(repeating: "1+", count: 4200) + "1", "bytes")] {
            update(alice, "G3", formula: formula.hasPrefix("=") ? formula : "=" + formula, id: expected)
            let refusal = try XCTUnwrap(alice.expect("error"))
            XCTAssertEqual(refusal["code"] as? String, "INVALID_MESSAGE", expected)
        }
        update(alice, "G3", formula: "=" + String(repeating: "(", count: 64) + "1" + String(repeating: ")", count: 64))
        XCTAssertEqual(alice.expect("cell_updated")?["value"] as? Int, 1)
    }

    func testErrorsAndCyclesAreValuesInEveryCellShape() throws {
        let alice = try TestClient.joined(port: server.port, user: "alice")
        update(alice, "H1", formula: "=1/0")
        let division = try XCTUnwrap(alice.expect("cell_updated"))
        XCTAssertEqual(division["value"] as? String, "#DIV/0!")
        XCTAssertEqual(division["error"] as? String, "#DIV/0!")
        update(alice, "H2", formula: "=H3")
        _ = alice.expect("cell_updated")
        update(alice, "H3", formula: "=H2")
        XCTAssertEqual(alice.expect("cell_updated")?["error"] as? String, "#CYCLE!")
        let others = try XCTUnwrap(alice.expect("cells_updated"))
        XCTAssertEqual((others["cells"] as? [[String: Any]])?.first?["error"] as? String, "#CYCLE!")
        alice.send(["type": "sheet_snapshot", "sheet_id": "demo-sheet"])
        let state = try XCTUnwrap(alice.expect("sheet_state"))
        let cells = try XCTUnwrap(state["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.first { $0["cell_id"] as? String == "H2" }?["error"] as? String, "#CYCLE!")
        XCTAssertTrue(cells.first { $0["cell_id"] as? String == "A1" }?["error"] is NSNull)
        let rest = try REST.call(server.port, "GET", "/api/v1/sheets/demo-sheet")
        let restCells = try XCTUnwrap(rest.json?["cells"] as? [[String: Any]])
        XCTAssertEqual(restCells.first { $0["cell_id"] as? String == "H1" }?["error"] as? String, "#DIV/0!")
    }

    func testCompareAndSetWorksOnFormulaCellsAndSyncReplaysRecalculations() throws {
        let alice = try TestClient.joined(port: server.port, user: "alice")
        update(alice, "J1", value: 1)
        let first = try XCTUnwrap(alice.expect("cell_updated"))
        update(alice, "J2", formula: "=J1+1", version: 0)
        XCTAssertEqual(alice.expect("cell_updated")?["version"] as? Int, 1)
        update(alice, "J2", formula: "=J1+2", version: 0, id: "stale")
        let conflict = try XCTUnwrap(alice.expect("error"))
        XCTAssertEqual(conflict["code"] as? String, "VERSION_CONFLICT")
        let current = try XCTUnwrap(conflict["current"] as? [String: Any])
        XCTAssertEqual(current["formula"] as? String, "=J1+1")
        XCTAssertEqual(current["value"] as? Int, 2)
        update(alice, "J1", value: 10)
        _ = alice.expect("cells_updated")
        let late = try TestClient.joined(port: server.port, user: "carol")
        late.send(["type": "sync", "sheet_id": "demo-sheet", "since_seq": first["seq"] as? Int ?? 0])
        var replayed: [[String: Any]] = []
        while let message = late.nextMessage(timeout: 5), message["type"] as? String != "sync_complete" {
            if message["type"] as? String == "cell_updated" { replayed.append(message) }
        }
        let j2 = replayed.filter { $0["cell_id"] as? String == "J2" }
        XCTAssertEqual(j2.map { $0["value"] as? Int }, [2, 11], "the write and its recalculation, in seq order")
    }

    func testABatchWithFormulasRecalculatesOnceAndACycleOfTenThousandCellsIsFound() throws {
        let alice = try TestClient.joined(port: server.port, user: "alice")
        // 10,000 formulas in ten pastes, each cell reading the next; the last closes the ring.
        for batch in 0..<10 {
            let updates: [[String: Any]] = (1...1000).map { offset in
                let row = batch * 1000 + offset
                return ["cell_id": "K\(row)", "formula": "=K\(row == 10_000 ? 1 : row + 1)"]
            }
            alice.send(["type": "cells_update", "sheet_id": "demo-sheet", "updates": updates, "request_id": "b\(batch)"])
            let applied = try XCTUnwrap(alice.expect("cells_updated", timeout: 30) { $0["request_id"] as? String == "b\(batch)" })
            XCTAssertEqual((applied["cells"] as? [[String: Any]])?.count, 1000)
            if batch < 9 {
                XCTAssertEqual((applied["cells"] as? [[String: Any]])?.last?["value"] as? Int, 0, "reads an empty cell")
            }
        }
        let ring = try XCTUnwrap(alice.expect("cells_updated", timeout: 30) { $0["recalculated"] as? Bool == true })
        let cells = try XCTUnwrap(ring["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.count, 9000, "the first nine pastes' cells, now on the cycle")
        XCTAssertTrue(cells.allSatisfy { $0["error"] as? String == "#CYCLE!" })
        alice.send(["type": "ping", "request_id": "alive"])
        XCTAssertEqual(alice.expect("pong")?["request_id"] as? String, "alive")
    }
}
