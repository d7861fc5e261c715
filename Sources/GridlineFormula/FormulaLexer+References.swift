/// A1-notation references: `A1`, `$A$1`, `A1:B2`, `$A:$C`. Names that look like references
/// but lie past the grid (`XFE1`, `A10000000`) are words, which evaluate to `#NAME?`.
extension FormulaLexer {
    mutating func lexWordOrReference() -> FormulaToken.Kind {
        if bytes[offset] == UInt8(ascii: "$"), offset + 1 < bytes.count, Self.isDigit(bytes[offset + 1]) {
            if let rows = lexRowRange() { return .range(rows) }
        }
        let start = offset
        while offset < bytes.count, Self.isWordByte(bytes[offset]) { offset += 1 }
        let word = start..<offset
        let wordText = String(decoding: bytes[word], as: UTF8.self)
        if peekPastSpace() == UInt8(ascii: "(") { return .word(wordText) }
        if let (cell, absColumn, absRow) = Self.parseCell(bytes[word]) {
            if let gridCell = cell, offset < bytes.count, bytes[offset] == UInt8(ascii: ":") {
                var i = offset + 1
                while i < bytes.count, Self.isWordByte(bytes[i]) { i += 1 }
                if let (end, endColumn, endRow) = Self.parseCell(bytes[(offset + 1)..<i]) {
                    offset = i
                    guard let endCell = end else { return .word(String(decoding: bytes[start..<i], as: UTF8.self)) }
                    return .range(FormulaRangeLiteral(
                        start: gridCell, end: endCell, startAbsolute: (absColumn, absRow),
                        endAbsolute: (endColumn, endRow), shape: .cells))
                }
            }
            guard let gridCell = cell else { return .word(wordText) }
            return .cell(gridCell, absColumn, absRow)
        }
        if let (column, absolute) = Self.parseColumn(bytes[word]), offset < bytes.count, bytes[offset] == UInt8(ascii: ":") {
            var i = offset + 1
            while i < bytes.count, Self.isWordByte(bytes[i]) { i += 1 }
            if let (end, endAbsolute) = Self.parseColumn(bytes[(offset + 1)..<i]) {
                offset = i
                return .range(FormulaRangeLiteral(
                    start: SheetCell(column: column, row: 1), end: SheetCell(column: end, row: 1),
                    startAbsolute: (absolute, true), endAbsolute: (endAbsolute, true), shape: .wholeColumns))
            }
        }
        return .word(wordText)
    }

    /// `$?[A-Za-z]{1,3}$?[0-9]+`: the cell (nil when past the grid) and its `$` flags; nil
    /// when the word is not shaped like a reference at all.
    static func parseCell(_ word: ArraySlice<UInt8>) -> (SheetCell?, Bool, Bool)? {
        var i = word.startIndex
        var absColumn = false, absRow = false
        if i < word.endIndex, word[i] == UInt8(ascii: "$") { absColumn = true; i += 1 }
        var column: Int64 = 0
        let lettersStart = i
        while i < word.endIndex, isLetter(word[i]) {
            column = column * 26 + Int64((word[i] | 0x20) - 0x60)
            i += 1
            if i - lettersStart > 3 { return nil }
        }
        guard i > lettersStart else { return nil }
        if i < word.endIndex, word[i] == UInt8(ascii: "$") { absRow = true; i += 1 }
        var row: Int64 = 0
        let digitsStart = i
        while i < word.endIndex, isDigit(word[i]) {
            row = row * 10 + Int64(word[i] - 0x30)
            i += 1
            if i - digitsStart > 9 { return nil }
        }
        guard i > digitsStart, i == word.endIndex else { return nil }
        guard column <= Int64(SheetLimits.maxColumn), row >= 1, row <= Int64(SheetLimits.maxRow) else {
            return (nil, absColumn, absRow)
        }
        return (SheetCell(column: Int32(column), row: Int32(row)), absColumn, absRow)
    }

    /// `$?[A-Za-z]{1,3}` within the grid's columns.
    static func parseColumn(_ word: ArraySlice<UInt8>) -> (Int32, Bool)? {
        var i = word.startIndex
        var absolute = false
        if i < word.endIndex, word[i] == UInt8(ascii: "$") { absolute = true; i += 1 }
        guard word.endIndex - i >= 1, word.endIndex - i <= 3 else { return nil }
        var column: Int32 = 0
        while i < word.endIndex {
            guard isLetter(word[i]) else { return nil }
            column = column * 26 + Int32((word[i] | 0x20) - 0x60)
            i += 1
        }
        return column <= SheetLimits.maxColumn ? (column, absolute) : nil
    }
}
