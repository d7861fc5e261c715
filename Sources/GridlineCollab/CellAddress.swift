/// An A1-style cell address (SPEC §6: `^[A-Z]{1,3}[1-9][0-9]{0,6}$`): column A…ZZZ, row 1…9,999,999.
public struct CellAddress: Sendable, Hashable, Comparable {
    /// 1-based column (A = 1, Z = 26, AA = 27, ZZZ = 18278).
    public let column: Int
    public let row: Int

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        var column = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "A"), bytes[index] <= UInt8(ascii: "Z") {
            column = column * 26 + Int(bytes[index] - UInt8(ascii: "A") + 1)
            index += 1
        }
        guard (1...3).contains(index) else { return nil }
        let digits = bytes.count - index
        guard (1...7).contains(digits), bytes[index] != UInt8(ascii: "0") else { return nil }
        var row = 0
        for byte in bytes[index...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            row = row * 10 + Int(byte - UInt8(ascii: "0"))
        }
        self.column = column
        self.row = row
    }

    public init(column: Int, row: Int) {
        self.column = column
        self.row = row
    }

    public var text: String {
        var letters: [Character] = []
        var n = column
        while n > 0 {
            let remainder = (n - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(ascii: "A") + UInt8(remainder))), at: 0)
            n = (n - 1) / 26
        }
        return String(letters) + String(row)
    }

    public static func < (a: CellAddress, b: CellAddress) -> Bool {
        (a.row, a.column) < (b.row, b.column)
    }
}
