import GridlineJSON
import GridlineFormula

/// A validated cell write, ready for the store: the value already serialized as JSON text.
public struct CellEdit: Sendable, Equatable {
    public let cellID: String
    public let valueJSON: String
    public let formula: String?
    public let expectedVersion: Int64?
}

/// Why a cell write is refused before it reaches the store; the server maps it to INVALID_MESSAGE.
public struct CellRuleViolation: Error, Sendable, Equatable {
    public let field: String
    public let expectation: String
}

/// SPEC §6 rules for what a cell may hold.
public enum CellRules {
    public static let maxValueBytes = 32 * 1024
    /// SPEC §14: a formula is at most 8 KiB.
    public static let maxFormulaBytes = 8 * 1024
    public static let maxBatchCells = 1000

    /// Validates one update object (`cell_update`'s body or one `cells_update` entry).
    /// `path` prefixes field names in errors, e.g. "updates[3].".
    public static func edit(from object: JSONObject, path: String = "") throws(CellRuleViolation) -> CellEdit {
        guard let rawCell = object["cell_id"], !rawCell.isNull else {
            throw CellRuleViolation(field: path + "cell_id", expectation: "is required")
        }
        guard let cellID = rawCell.stringValue, SheetCell(a1: cellID) != nil else {
            throw CellRuleViolation(field: path + "cell_id", expectation: "must be an A1 cell id like B12 (A–ZZZ, rows 1–9999999)")
        }
        var formula: String?
        if let rawFormula = object["formula"], !rawFormula.isNull {
            guard let text = rawFormula.stringValue, text.hasPrefix("=") else {
                throw CellRuleViolation(field: path + "formula", expectation: "must be a string starting with '='")
            }
            guard text.utf8.count <= maxFormulaBytes else {
                throw CellRuleViolation(field: path + "formula", expectation: "must be at most \(maxFormulaBytes) bytes")
            }
            formula = text
        }
        // With a formula the server computes the value (SPEC §14): one sent along is ignored,
        // though it must still be a cell value.
        let value = object["value"]
        if let value {
            switch value {
            case .string, .number, .bool, .null: break
            case .array, .object:
                throw CellRuleViolation(field: path + "value", expectation: "must be a string, number, boolean or null, got \(value.typeName)")
            }
        }
        let valueJSON: [UInt8]
        if formula != nil {
            valueJSON = Array("null".utf8)
        } else {
            guard let value else {
                throw CellRuleViolation(field: path + "value", expectation: "is required (string, number, boolean or null)")
            }
            valueJSON = value.serialized()
            guard valueJSON.count <= maxValueBytes else {
                throw CellRuleViolation(field: path + "value", expectation: "must be at most \(maxValueBytes) bytes as JSON")
            }
        }
        var expectedVersion: Int64?
        if let rawVersion = object["version"], !rawVersion.isNull {
            guard let version = rawVersion.int64Value, version >= 0 else {
                throw CellRuleViolation(field: path + "version", expectation: "must be a non-negative integer")
            }
            expectedVersion = version
        }
        return CellEdit(cellID: cellID, valueJSON: String(decoding: valueJSON, as: UTF8.self), formula: formula,
                        expectedVersion: expectedVersion)
    }
}
