/// Ids clients choose for rooms, sheets and uploads: safe in URLs and logs.
enum ChosenID {
    static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { $0.isASCIIIdentifierByte } && !id.utf8.allSatisfy { $0 == UInt8(ascii: ".") }
    }
}

extension UInt8 {
    var isASCIIIdentifierByte: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
            || self == UInt8(ascii: "-") || self == UInt8(ascii: "_") || self == UInt8(ascii: ".")
    }
}
