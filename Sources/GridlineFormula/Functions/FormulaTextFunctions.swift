/// CONCATENATE, CONCAT, LEN, UPPER, LOWER, TRIM, LEFT, RIGHT, MID. Lengths and positions
/// count UTF-16 units, as LibreOffice does.
enum FormulaTextFunctions {
    static let all: [FormulaFunction] = [
        .value("CONCATENATE", 1...FormulaFunction.variadic) { call throws(FormulaError) in
            var result = ""
            for i in 0..<call.count { result += try call.text(i) }
            return .text(result)
        },
        .value("CONCAT", 1...FormulaFunction.variadic) { call throws(FormulaError) in
            var result = ""
            for i in 0..<call.count {
                switch call.operand(i) {
                case .value(let value): result += try FormulaCoercion.text(value)
                case .cell(let cell): result += try FormulaCoercion.text(call.source.value(at: cell))
                case .range(let rect):
                    var cells: [(SheetCell, FormulaValue)] = []
                    call.source.forEachValue(in: rect) { cell, value in cells.append((cell, value)) }
                    cells.sort { $0.0 < $1.0 }  // reading order: row by row
                    for (_, value) in cells { result += try FormulaCoercion.text(value) }
                }
            }
            return .text(result)
        },
        .value("LEN", 1...1) { call throws(FormulaError) in .number(Double(try call.text(0).utf16.count)) },
        .value("UPPER", 1...1) { call throws(FormulaError) in .text(try call.text(0).uppercased()) },
        .value("LOWER", 1...1) { call throws(FormulaError) in .text(try call.text(0).lowercased()) },
        .value("TRIM", 1...1) { call throws(FormulaError) in
            .text(try call.text(0).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "))
        },
        .value("LEFT", 1...2) { call throws(FormulaError) in
            let text = try call.text(0)
            let count = try call.integer(1, default: 1)
            guard count >= 0 else { throw .value }
            return .text(slice(text, from: 0, count: count))
        },
        .value("RIGHT", 1...2) { call throws(FormulaError) in
            let text = try call.text(0)
            let count = try call.integer(1, default: 1)
            guard count >= 0 else { throw .value }
            let length = text.utf16.count
            return .text(slice(text, from: max(0, length - count), count: count))
        },
        .value("MID", 3...3) { call throws(FormulaError) in
            let text = try call.text(0)
            let start = try call.integer(1)
            let count = try call.integer(2)
            guard start >= 1, count >= 0 else { throw .value }
            return .text(slice(text, from: start - 1, count: count))
        },
    ]

    private static func slice(_ text: String, from start: Int, count: Int) -> String {
        let units = text.utf16
        guard start < units.count, count > 0 else { return "" }
        let lower = units.index(units.startIndex, offsetBy: start)
        let upper = units.index(lower, offsetBy: min(count, units.count - start))
        return String(decoding: Array(units[lower..<upper]), as: UTF16.self)
    }
}
