import GridlineFormula
/// A rectangle of cells named by an `ai_request`'s `context.table_range` (SPEC §7), e.g.
/// "A1:B20" or the single cell "B2".
///
/// Parsing is forgiving about what a person types into a range box and strict about the rest:
/// letters may be lower case ("a1:b20" is A1:B20), spaces around the range and around each
/// corner are ignored, and the corners may be given in any order ("B20:A1" and "A20:B1" are
/// both A1:B20). Each corner must otherwise be a cell id as SPEC §6 spells it. A missing range
/// (`nil`) means the whole sheet; see `CellRange.tableRange(_:)`.
public struct CellRange: Sendable, Hashable, CustomStringConvertible {
    /// The top-left cell (smallest row and column).
    public let start: SheetCell
    /// The bottom-right cell (largest row and column).
    public let end: SheetCell

    /// The rectangle spanned by two opposite corners, given in any order.
    public init(_ corner: SheetCell, _ opposite: SheetCell) {
        start = SheetCell(column: min(corner.column, opposite.column), row: min(corner.row, opposite.row))
        end = SheetCell(column: max(corner.column, opposite.column), row: max(corner.row, opposite.row))
    }

    /// Parses "A1:B20" or "B2"; see the type's documentation for what is accepted.
    public init(_ text: String) throws(CellRangeError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw .tooManyCorners(parts.count) }
        let first = Self.trimmingSpaces(parts[0])
        if parts.count == 1 {
            guard !first.isEmpty else { throw .empty }
            let cell = try Self.parseCell(first)
            self.init(cell, cell)
            return
        }
        let second = Self.trimmingSpaces(parts[1])
        if first.isEmpty && second.isEmpty { throw .empty }
        guard !first.isEmpty else { throw .missingCorner(.first) }
        guard !second.isEmpty else { throw .missingCorner(.second) }
        self.init(try Self.parseCell(first), try Self.parseCell(second))
    }

    /// Reads the optional `table_range` field: absent or blank means the whole sheet (`nil`),
    /// because a client with an empty range box means "everything", not "nothing".
    public static func tableRange(_ text: String?) throws(CellRangeError) -> CellRange? {
        guard let text, !trimmingSpaces(Substring(text)).isEmpty else { return nil }
        return try CellRange(text)
    }

    public func contains(_ address: SheetCell) -> Bool {
        (start.column...end.column).contains(address.column) && (start.row...end.row).contains(address.row)
    }

    /// How many cells the rectangle spans, stored or not. Int64 because A1:ZZZ9999999 is
    /// about 1.8 × 10^11 cells.
    public var cellCount: Int64 {
        Int64(end.column - start.column + 1) * Int64(end.row - start.row + 1)
    }

    /// The canonical form: "B2" for one cell, otherwise "top-left:bottom-right".
    public var text: String {
        start == end ? start.a1 : start.a1 + ":" + end.a1
    }

    public var description: String { text }

    private static func trimmingSpaces(_ text: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
            let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return text[first...last]
    }

    /// Walks the corner by hand rather than calling `SheetCell.init?(a1:)` so that a refusal can
    /// say exactly what is wrong; the accepted language is the same.
    private static func parseCell(_ text: Substring) throws(CellRangeError) -> SheetCell {
        let scalars = Array(text.unicodeScalars)
        let fail = { (problem: CellAddressProblem) in CellRangeError.invalidCell(String(text), problem) }
        var index = 0
        var column = 0
        while index < scalars.count, let letter = columnLetterValue(scalars[index]) {
            index += 1
            guard index <= 3 else { throw fail(.columnTooLong) }
            column = column * 26 + letter
        }
        guard index > 0 else {
            throw fail(isDigit(scalars[0]) ? .missingColumn : .unexpectedCharacter(Character(scalars[0])))
        }
        guard index < scalars.count else { throw fail(.missingRow) }
        guard isDigit(scalars[index]) else { throw fail(.unexpectedCharacter(Character(scalars[index]))) }
        guard scalars[index] != "0" else { throw fail(.rowStartsWithZero) }
        var row = 0
        var digits = 0
        while index < scalars.count, isDigit(scalars[index]) {
            digits += 1
            guard digits <= 7 else { throw fail(.rowTooLong) }
            row = row * 10 + Int(scalars[index].value - UInt32(UInt8(ascii: "0")))
            index += 1
        }
        guard index == scalars.count else { throw fail(.unexpectedCharacter(Character(scalars[index]))) }
        return SheetCell(column: Int32(column), row: Int32(row))
    }

    /// A = 1 … Z = 26 for ASCII letters of either case; nil for anything else.
    private static func columnLetterValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "A"..."Z": return Int(scalar.value - Unicode.Scalar("A").value) + 1
        case "a"..."z": return Int(scalar.value - Unicode.Scalar("a").value) + 1
        default: return nil
        }
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }
}
