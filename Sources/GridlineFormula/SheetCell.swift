/// A cell's position in a sheet, 1-based as A1 notation counts: column A = 1, row 1 = 1.
/// The formula engine and the dependency graph key everything by it.
public struct SheetCell: Hashable, Sendable, Comparable {
    public var column: Int32
    public var row: Int32

    public init(column: Int32, row: Int32) {
        self.column = column
        self.row = row
    }

    /// One integer per cell, for dictionaries on the hot path (row-major, so sorting keys sorts
    /// cells in reading order).
    @inlinable public var key: UInt64 { UInt64(UInt32(bitPattern: row)) << 32 | UInt64(UInt32(bitPattern: column)) }

    @inlinable public init(key: UInt64) {
        self.init(column: Int32(bitPattern: UInt32(truncatingIfNeeded: key)), row: Int32(bitPattern: UInt32(key >> 32)))
    }

    public static func < (a: SheetCell, b: SheetCell) -> Bool {
        (a.row, a.column) < (b.row, b.column)
    }
}

/// A rectangle of cells, both corners inclusive (`A1:B10`; a whole column `A:A` is rows
/// 1…`SheetLimits.maxRow`).
public struct SheetRect: Hashable, Sendable {
    public var top: Int32
    public var left: Int32
    public var bottom: Int32
    public var right: Int32

    /// The rectangle spanned by two opposite corners, in any order.
    public init(_ a: SheetCell, _ b: SheetCell) {
        top = min(a.row, b.row)
        bottom = max(a.row, b.row)
        left = min(a.column, b.column)
        right = max(a.column, b.column)
    }

    public init(top: Int32, left: Int32, bottom: Int32, right: Int32) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    @inlinable public func contains(_ cell: SheetCell) -> Bool {
        cell.row >= top && cell.row <= bottom && cell.column >= left && cell.column <= right
    }

    /// Cells spanned, stored or not.
    public var cellCount: Int64 { Int64(bottom - top + 1) * Int64(right - left + 1) }
}

/// How far a formula may reference: LibreOffice Calc's and Excel's grid (A…XFD, 1…1,048,576).
/// A name past it (`XFE1`, `A10000000`) is not a reference, so it evaluates to `#NAME?` as in
/// LibreOffice.
public enum SheetLimits {
    public static let maxColumn: Int32 = 16_384
    public static let maxRow: Int32 = 1_048_576
}

extension SheetCell {
    /// Parses a cell id as SPEC §6 spells it (`^[A-Z]{1,3}[1-9][0-9]{0,6}$`: A…ZZZ, 1…9,999,999).
    /// The grid a formula may reference is smaller (`SheetLimits`); a cell outside it can hold
    /// values and formulas but no formula can name it.
    public init?(a1 text: String) {
        var column: Int32 = 0
        var row: Int32 = 0
        var letters = 0
        var digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where digits == 0:
                letters += 1
                guard letters <= 3 else { return nil }
                column = column * 26 + Int32(byte - UInt8(ascii: "A") + 1)
            case UInt8(ascii: "0")...UInt8(ascii: "9") where letters > 0:
                guard digits > 0 || byte != UInt8(ascii: "0") else { return nil }
                digits += 1
                guard digits <= 7 else { return nil }
                row = row * 10 + Int32(byte - UInt8(ascii: "0"))
            default:
                return nil
            }
        }
        guard letters > 0, digits > 0 else { return nil }
        self.init(column: column, row: row)
    }

    /// The cell id in A1 notation.
    public var a1: String {
        // Up to three letters and eight digits fit a small string: written in place, no
        // allocation (a recalculation names every changed cell).
        if column >= 1, column <= 18_278, row >= 0, row <= 99_999_999 {
            return String(unsafeUninitializedCapacity: 15) { out in
                var letters = 0
                var n = Int(column)
                while n > 0 { letters += 1; n = (n - 1) / 26 }
                n = Int(column)
                for i in stride(from: letters - 1, through: 0, by: -1) {
                    out[i] = UInt8(ascii: "A") + UInt8((n - 1) % 26)
                    n = (n - 1) / 26
                }
                var digits = 0
                var r = Int(row)
                repeat { digits += 1; r /= 10 } while r > 0
                r = Int(row)
                for i in stride(from: letters + digits - 1, through: letters, by: -1) {
                    out[i] = UInt8(ascii: "0") + UInt8(r % 10)
                    r /= 10
                }
                return letters + digits
            }
        }
        var letters: [UInt8] = []
        var n = Int(column)
        while n > 0 {
            letters.append(UInt8(ascii: "A") + UInt8((n - 1) % 26))
            n = (n - 1) / 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self) + String(row)
    }
}
