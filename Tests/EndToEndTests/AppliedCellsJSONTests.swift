import GridlineJSON
import XCTest

@testable import GridlineServer
@testable import GridlineStore

/// `cells_updated` written straight into bytes says what the `JSONValue` tree said.
final class AppliedCellsJSONTests: XCTestCase {
    private let cells = [
        AppliedCell(
            cellId: "C1", valueJSON: "42.5", formula: "=SUM(A1:A3)", version: 3, seq: 17, updatedBy: "u", updatedAt: 1,
            error: nil),
        AppliedCell(
            cellId: "C2", valueJSON: #""say \"hi\"\n""#, formula: "=\"say \"\"hi\"\"\"", version: 1, seq: 18,
            updatedBy: "u", updatedAt: 1, error: nil),
        AppliedCell(
            cellId: "C3", valueJSON: "\"#DIV/0!\"", formula: "=1/0", version: 12, seq: 19,
            updatedBy: "u", updatedAt: 1, error: "#DIV/0!"),
        AppliedCell(
            cellId: "A1", valueJSON: "null", formula: nil, version: 2, seq: 20, updatedBy: "u", updatedAt: 1, error: nil),
    ]

    func testTheCellsArrayEqualsTheOneBuiltAsJSONValues() throws {
        var bytes: [UInt8] = []
        AppliedCellsJSON.append(cells, to: &bytes)
        XCTAssertEqual(try JSONParser.parse(bytes), .array(cells.map(CellService.appliedCellJSON)))
        AppliedCellsJSON.append(cells, to: &bytes)  // appends; does not replace
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self).filter { $0 == "[" }.count, 2)
        var empty: [UInt8] = []
        AppliedCellsJSON.append([], to: &empty)
        XCTAssertEqual(empty, Array("[]".utf8))
    }

    func testAMessageWithAWrittenMemberHasEveryFieldInOrder() throws {
        let message = OutgoingMessage(
            "cells_updated", [("sheet_id", .string("s\"1")), ("recalculated", true), ("cause_seq", 16)],
            then: "cells", writeValue: { AppliedCellsJSON.append(cells, to: &$0) }, requestID: "r-1")
        guard case .object(let object) = try JSONParser.parse(message.json) else { return XCTFail("not an object") }
        XCTAssertEqual(
            object.members.map(\.0),
            ["type", "sheet_id", "recalculated", "cause_seq", "cells", "request_id", "timestamp"])
        XCTAssertEqual(object["type"], .string("cells_updated"))
        XCTAssertEqual(object["sheet_id"], .string("s\"1"))
        XCTAssertEqual(object["cause_seq"], .number(16))
        XCTAssertEqual(object["cells"]?.arrayValue?.count, 4)
        XCTAssertEqual(object["request_id"], .string("r-1"))
        XCTAssertEqual(message.requestID, "r-1")
        XCTAssertEqual(object["timestamp"]?.stringValue?.count, 24)
    }
}
