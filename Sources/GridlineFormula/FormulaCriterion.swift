/// A SUMIF/COUNTIF/AVERAGEIF criterion (`5`, `">5"`, `"<>x"`, `"a*"`, `"="`), matched as
/// LibreOffice does with "search criteria = and <> must apply to whole cells" and wildcards
/// on (`*`, `?`, `~` escapes) and regular expressions off; text matches case-insensitively.
struct FormulaCriterion {
    enum Operator { case equal, notEqual, less, greater, lessOrEqual, greaterOrEqual }
    enum Operand {
        case number(Double, text: String?)
        case text(String)
        case blank
    }

    let op: Operator
    let operand: Operand
    private let pattern: [Character]?

    init(_ value: FormulaValue) throws(FormulaError) {
        switch value {
        case .error(let e): throw e
        case .number(let n): self.init(op: .equal, operand: .number(n, text: nil))
        case .boolean(let b): self.init(op: .equal, operand: .number(b ? 1 : 0, text: nil))
        case .empty: self.init(op: .equal, operand: .number(0, text: nil))
        case .text(let s): self.init(parsing: s)
        }
    }

    init(op: Operator, operand: Operand) {
        self.op = op
        self.operand = operand
        if case .text(let s) = operand, op == .equal || op == .notEqual, s.contains(where: { $0 == "*" || $0 == "?" || $0 == "~" }) {
            pattern = Array(s.lowercased())
        } else {
            pattern = nil
        }
    }

    private init(parsing s: String) {
        let prefixes: [(String, Operator)] = [("<=", .lessOrEqual), (">=", .greaterOrEqual), ("<>", .notEqual), ("<", .less), (">", .greater), ("=", .equal)]
        var op = Operator.equal
        var rest = Substring(s)
        for (prefix, candidate) in prefixes where rest.hasPrefix(prefix) {
            op = candidate
            rest = rest.dropFirst(prefix.count)
            break
        }
        if rest.isEmpty {
            self.init(op: op, operand: .blank)
        } else if let n = FormulaCoercion.parseNumber(String(rest)) {
            self.init(op: op, operand: .number(n, text: String(rest)))
        } else {
            self.init(op: op, operand: .text(String(rest)))
        }
    }

    /// Whether an empty cell matches (for counting the cells a sparse walk does not visit).
    var matchesEmpty: Bool { matches(.empty) }

    func matches(_ value: FormulaValue) -> Bool {
        switch operand {
        case .blank:
            let blank = FormulaStatisticalFunctions.isBlank(value)
            switch op {
            case .equal: return blank
            case .notEqual: return !blank
            default: return false
            }
        case .number(let n, let text):
            let hit: Bool?
            switch value {
            case .number(let x): hit = test(FormulaApproximation.equal(x, n) ? 0 : (x < n ? -1 : 1))
            case .boolean(let b): hit = test(FormulaApproximation.equal(b ? 1 : 0, n) ? 0 : ((b ? 1 : 0) < n ? -1 : 1))
            case .text(let s):
                if let text, op == .equal || op == .notEqual { hit = test(FormulaCoercion.compareText(s, text)) } else { hit = nil }
            case .empty, .error: hit = nil
            }
            return hit ?? (op == .notEqual)
        case .text(let t):
            // LibreOffice matches text criteria against numbers as they read (`?` matches 7).
            if op == .equal || op == .notEqual, let shown = Self.shownText(value) {
                if let pattern { return (op == .equal) == Self.glob(pattern, Array(shown.lowercased())) }
                return test(FormulaCoercion.compareText(shown, t))
            }
            if case .text(let s) = value {
                if let pattern { return (op == .equal) == Self.glob(pattern, Array(s.lowercased())) }
                return test(FormulaCoercion.compareText(s, t))
            }
            return op == .notEqual
        }
    }

    private static func shownText(_ value: FormulaValue) -> String? {
        switch value {
        case .number(let n): return FormulaNumberFormat.general(n)
        case .boolean(let b): return b ? "1" : "0"
        default: return nil
        }
    }

    private func test(_ order: Int) -> Bool {
        switch op {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .greater: return order > 0
        case .lessOrEqual: return order <= 0
        case .greaterOrEqual: return order >= 0
        }
    }

    /// `*` any run, `?` one character, `~x` a literal x; linear-time two-pointer match.
    static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "~", p + 1 < pattern.count {
                if pattern[p + 1] == text[t] { p += 2; t += 1; continue }
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; mark = t; p += 1; continue
            } else if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1; t += 1; continue
            }
            guard star >= 0 else { return false }
            p = star + 1
            mark += 1
            t = mark
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
