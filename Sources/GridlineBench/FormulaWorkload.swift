import GridlineJSON

/// The cell writes the formulas scenario sends: a column of constants, a chain
/// (`A1` constant, `A<n> = A<n-1>+1`) and range formulas over a column, cut into
/// `cells_update` batches of at most 1,000 cells (SPEC §6).
enum FormulaWorkload {
    static let batchSize = 1000

    /// Range formulas cycle through these, so one edit invalidates three different aggregates.
    static let rangeFunctions = ["SUM", "AVERAGE", "MAX"]

    /// `A1…A<rows>` = `value(row)`, constants.
    static func constantBatches(sheet: String, column: String = "A", rows: Int, tag: String,
                                value: (Int) -> Double) -> [JSONValue] {
        batches(sheet: sheet, count: rows, tag: tag) { row in
            cell("\(column)\(row)", value: .number(value(row)), formula: nil)
        }
    }

    /// `A1` = 1, `A<n>` = `=A<n-1>+1` up to `rows`.
    static func chainBatches(sheet: String, rows: Int, tag: String) -> [JSONValue] {
        batches(sheet: sheet, count: rows, tag: tag) { row in
            row == 1 ? cell("A1", value: 1, formula: nil) : cell("A\(row)", value: .null, formula: "=A\(row - 1)+1")
        }
    }

    /// `B1` = `=SUM(A1:A<rows>)`, then `C1…C<count>` cycling through `rangeFunctions` over the same column.
    static func rangeFormulaBatches(sheet: String, rows: Int, count: Int, tag: String) -> [JSONValue] {
        let range = "A1:A\(rows)"
        let head = batches(sheet: sheet, count: 1, tag: tag + "b") { _ in
            cell("B1", value: .null, formula: "=SUM(\(range))")
        }
        return head + batches(sheet: sheet, count: count, tag: tag) { row in
            cell("C\(row)", value: .null, formula: "=\(rangeFunctions[(row - 1) % rangeFunctions.count])(\(range))")
        }
    }

    /// One `cell_update` without a version (last writer wins): the edit being timed.
    static func edit(sheet: String, cell: String, value: Double, requestID: String) -> JSONValue {
        .object(JSONObject([
            ("type", "cell_update"), ("sheet_id", .string(sheet)), ("cell_id", .string(cell)), ("value", .number(value)),
            ("request_id", .string(requestID)),
        ]))
    }

    static func requestID(_ tag: String, _ index: Int) -> String { "\(tag)-\(index)" }

    private static func batches(sheet: String, count: Int, tag: String, cell: (Int) -> JSONValue) -> [JSONValue] {
        stride(from: 1, through: count, by: batchSize).enumerated().map { index, first in
            let last = min(count, first + batchSize - 1)
            return .object(JSONObject([
                ("type", "cells_update"), ("sheet_id", .string(sheet)), ("updates", .array((first...last).map(cell))),
                ("request_id", .string(requestID(tag, index))),
            ]))
        }
    }

    private static func cell(_ id: String, value: JSONValue, formula: String?) -> JSONValue {
        var object = JSONObject([("cell_id", .string(id)), ("value", value)])
        if let formula { object["formula"] = .string(formula) }
        return .object(object)
    }
}
