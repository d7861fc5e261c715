import GridlineFormula
import GridlineJSON

/// Between a cell's stored form (`value` as JSON text, `error` as an error's text or NULL) and
/// the value formulas compute with.
enum StoredValue {
    static func formulaValue(json: String, error: String?) -> FormulaValue {
        if let error, let known = FormulaError(text: error) { return .error(known) }
        switch json {
        case "null": return .empty
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        default: break
        }
        if json.utf8.first == UInt8(ascii: "\"") {
            if case .string(let text)? = try? JSONParser.parse(Array(json.utf8)) { return .text(text) }
            return .empty
        }
        if let number = Double(json), number.isFinite { return .number(number) }
        return .empty
    }

    /// A computed value as stored: an error's `value` is its text, and `error` says it is one
    /// (SPEC §14). An empty result is 0, as a spreadsheet shows `=A1` of an empty A1.
    static func stored(_ value: FormulaValue) -> (json: String, error: String?) {
        switch value {
        case .number(let number):
            // What `JSONWriter.appendNumber` writes, without a byte array in between: an
            // integer's digits (a small string), otherwise the shortest round-trip form.
            guard number.isFinite else { return ("null", nil) }
            if number.rounded(.towardZero) == number, abs(number) < 9_007_199_254_740_992 {
                return (String(Int64(number)), nil)
            }
            return (number.description, nil)
        case .text(let text):
            return (String(decoding: JSONValue.string(text).serialized(), as: UTF8.self), nil)
        case .boolean(let flag):
            return (flag ? "true" : "false", nil)
        case .error(let error):
            return (String(decoding: JSONValue.string(error.text).serialized(), as: UTF8.self), error.text)
        case .empty:
            return ("0", nil)
        }
    }
}
