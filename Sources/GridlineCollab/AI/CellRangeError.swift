/// Why a `table_range` (SPEC §7) was refused. The description is one sentence naming the
/// problem, meant to be passed to the client as the text of an `INVALID_MESSAGE` error.
public enum CellRangeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which side of the colon a problem is on.
    public enum Corner: Sendable, Equatable {
        case first, second
    }

    /// The text is empty or only spaces.
    case empty
    /// More than one colon, e.g. "A1:B2:C3"; carries the number of parts found.
    case tooManyCorners(Int)
    /// Nothing on one side of the colon, e.g. "A1:" or ":B2".
    case missingCorner(Corner)
    /// One corner is not an A1 address; carries that corner's text and what is wrong with it.
    case invalidCell(String, CellAddressProblem)

    public var description: String {
        switch self {
        case .empty:
            return "table_range is empty"
        case .tooManyCorners(let parts):
            return "table_range has \(parts) parts; expected one cell (B2) or two joined by one colon (A1:B20)"
        case .missingCorner(.first):
            return "table_range has no cell before the colon"
        case .missingCorner(.second):
            return "table_range has no cell after the colon"
        case .invalidCell(let text, let problem):
            return "table_range cell \"\(text)\" is not valid: \(problem)"
        }
    }
}

/// What is wrong with one would-be A1 address (SPEC §6: `^[A-Z]{1,3}[1-9][0-9]{0,6}$`).
public enum CellAddressProblem: Sendable, Equatable, CustomStringConvertible {
    /// No column letters before the row, e.g. "1A" or "12".
    case missingColumn
    /// More than three column letters, e.g. "ZZZZ1" (the last column is ZZZ).
    case columnTooLong
    /// Column letters but no row number, e.g. "B".
    case missingRow
    /// The row starts with 0, e.g. "A0" or "A01" (rows start at 1 and have no leading zeros).
    case rowStartsWithZero
    /// More than seven row digits, e.g. "A12345678" (the last row is 9,999,999).
    case rowTooLong
    /// A character that has no place in an address, e.g. the "$" of "$A$1" or the "B" of "A1B".
    case unexpectedCharacter(Character)

    public var description: String {
        switch self {
        case .missingColumn: return "it has no column letters (A…ZZZ) before the row"
        case .columnTooLong: return "the column has more than 3 letters (A…ZZZ)"
        case .missingRow: return "it has no row number (1…9999999) after the column"
        case .rowStartsWithZero: return "the row starts with 0 (rows are 1…9999999)"
        case .rowTooLong: return "the row has more than 7 digits (rows are 1…9999999)"
        case .unexpectedCharacter(let character): return "unexpected character \"\(character)\""
        }
    }
}
