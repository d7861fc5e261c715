/// Parses formula text into a `FormulaNode` in relative form for its host cell, with
/// LibreOffice Calc's grammar and precedence: comparisons < `&` < `+ -` < `* /` < `^` <
/// unary `- +` < postfix `%`, all left-associative (`=-2^2` is 4, `=2^3^2` is 64).
///
/// Recursion happens only at parentheses and function calls, which are limited to
/// `limits.maxDepth` levels, so no input can exhaust the stack; the work is linear in the
/// text's length (which is limited to `limits.maxBytes`).
public struct FormulaParser {
    /// How much a formula may be (SPEC §14: 8 KiB, 64 levels). There is no separate limit on
    /// a function's argument count (LibreOffice's is 255): the text limit bounds it.
    public struct Limits: Sendable {
        public var maxBytes: Int
        public var maxDepth: Int

        public init(maxBytes: Int = 8192, maxDepth: Int = 64) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
        }

        public static let standard = Limits()
    }

    /// Parses `text` (which must start with `=`) as written in the cell `host`.
    public static func parse(_ text: String, at host: SheetCell, limits: Limits = .standard) throws(FormulaParseError) -> FormulaNode {
        let bytes = Array(text.utf8)
        do throws(FormulaParseError) {
            guard bytes.count <= limits.maxBytes else {
                throw FormulaParseError(position: limits.maxBytes, expected: "at most \(limits.maxBytes) bytes of formula")
            }
            guard bytes.first == UInt8(ascii: "=") else { throw FormulaParseError(position: 0, expected: "'='") }
            var parser = FormulaParser(lexer: FormulaLexer(bytes: bytes, offset: 1), host: host, maxDepth: limits.maxDepth)
            try parser.advance()
            let root = try parser.parseExpression(depth: 0)
            guard case .end = parser.token.kind else {
                throw FormulaParseError(position: parser.token.offset, expected: "an operator or the end of the formula")
            }
            return root
        } catch {
            // Positions are byte offsets until here; report them in characters.
            let prefix = bytes.prefix(error.position)
            throw FormulaParseError(position: String(decoding: prefix, as: UTF8.self).count, expected: error.expected)
        }
    }

    private var lexer: FormulaLexer
    private var token: FormulaToken
    private let host: SheetCell
    private let maxDepth: Int

    private init(lexer: FormulaLexer, host: SheetCell, maxDepth: Int) {
        self.lexer = lexer
        self.token = FormulaToken(kind: .end, offset: 0)
        self.host = host
        self.maxDepth = maxDepth
    }

    private mutating func advance() throws(FormulaParseError) {
        token = try lexer.next()
    }

    /// Comparison level; each lower level loops over its operators (no recursion per operator).
    private mutating func parseExpression(depth: Int) throws(FormulaParseError) -> FormulaNode {
        try parseLevel(1, depth: depth)
    }

    private mutating func parseLevel(_ level: Int, depth: Int) throws(FormulaParseError) -> FormulaNode {
        if level > 5 { return try parseUnary(depth: depth) }
        let first = try parseLevel(level + 1, depth: depth)
        var links: [FormulaChainLink] = []
        while case .op(let symbol) = token.kind, let op = symbol.binary, op.precedence == level {
            try advance()
            links.append(FormulaChainLink(op, try parseLevel(level + 1, depth: depth)))
        }
        return links.isEmpty ? first : .chain(first, links)
    }

    private mutating func parseUnary(depth: Int) throws(FormulaParseError) -> FormulaNode {
        var negations = 0
        while case .op(let symbol) = token.kind, symbol == .minus || symbol == .plus {
            if symbol == .minus { negations += 1 }
            try advance()
        }
        let operand = try parsePostfix(depth: depth)
        if negations == 0 { return operand }
        return .negate(operand, count: negations % 2 == 1 ? 1 : 2)
    }

    private mutating func parsePostfix(depth: Int) throws(FormulaParseError) -> FormulaNode {
        let operand = try parsePrimary(depth: depth)
        var percents: Int32 = 0
        while case .op(.percent) = token.kind {
            percents += 1
            try advance()
        }
        return percents == 0 ? operand : .percent(operand, count: percents)
    }

    private mutating func parsePrimary(depth: Int) throws(FormulaParseError) -> FormulaNode {
        let current = token
        switch current.kind {
        case .number(let number):
            try advance()
            return .number(number)
        case .text(let text):
            try advance()
            return .text(text)
        case .error(let error):
            try advance()
            return .error(error)
        case .cell(let cell, let absColumn, let absRow):
            try advance()
            return .cell(FormulaCellReference(cell, isColumnAbsolute: absColumn, isRowAbsolute: absRow, host: host))
        case .range(let literal):
            try advance()
            return .range(relativeRange(literal))
        case .openParen:
            try enter(depth: depth, at: current.offset)
            try advance()
            let inner = try parseExpression(depth: depth + 1)
            try expectCloseParen()
            return inner
        case .word(let name):
            try advance()
            if case .openParen = token.kind {
                return try parseCall(name, at: current.offset, depth: depth)
            }
            switch name.uppercased() {
            case "TRUE": return .boolean(true)
            case "FALSE": return .boolean(false)
            default: return .name(name)
            }
        case .end:
            throw FormulaParseError(position: current.offset, expected: "a value")
        case .op, .closeParen, .separator:
            throw FormulaParseError(position: current.offset, expected: "a value")
        }
    }

    private mutating func parseCall(_ name: String, at offset: Int, depth: Int) throws(FormulaParseError) -> FormulaNode {
        try enter(depth: depth, at: token.offset)
        try advance()
        var arguments: [FormulaNode] = []
        if case .closeParen = token.kind {
            try advance()
        } else {
            while true {
                switch token.kind {
                case .separator, .closeParen: arguments.append(.missing)
                default: arguments.append(try parseExpression(depth: depth + 1))
                }
                if case .separator = token.kind {
                    try advance()
                    continue
                }
                try expectCloseParen()
                break
            }
        }
        let upper = name.uppercased()
        if (upper == "TRUE" || upper == "FALSE") && arguments.isEmpty { return .boolean(upper == "TRUE") }
        guard let id = FormulaFunctionLibrary.id(named: upper) else { return .unknownCall(upper, arguments) }
        let arity = FormulaFunctionLibrary.function(id).arity
        guard arity.contains(arguments.count) else {
            let count = arity.upperBound == Int.max ? "at least \(arity.lowerBound)" :
                arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
            throw FormulaParseError(position: offset, expected: "\(count) argument\(arity == 1...1 ? "" : "s") to \(upper)")
        }
        return .call(id, arguments)
    }

    private func enter(depth: Int, at offset: Int) throws(FormulaParseError) {
        guard depth < maxDepth else {
            throw FormulaParseError(position: offset, expected: "at most \(maxDepth) levels of nesting")
        }
    }

    private mutating func expectCloseParen() throws(FormulaParseError) {
        guard case .closeParen = token.kind else { throw FormulaParseError(position: token.offset, expected: "')'") }
        try advance()
    }

    /// Orders the corners (`B5:A1` is `A1:B5`; each coordinate keeps its own `$`) and makes
    /// them relative to the host.
    private func relativeRange(_ literal: FormulaRangeLiteral) -> FormulaRangeReference {
        let (left, leftAbs, right, rightAbs) = literal.start.column <= literal.end.column
            ? (literal.start.column, literal.startAbsolute.column, literal.end.column, literal.endAbsolute.column)
            : (literal.end.column, literal.endAbsolute.column, literal.start.column, literal.startAbsolute.column)
        let (top, topAbs, bottom, bottomAbs) = literal.start.row <= literal.end.row
            ? (literal.start.row, literal.startAbsolute.row, literal.end.row, literal.endAbsolute.row)
            : (literal.end.row, literal.endAbsolute.row, literal.start.row, literal.startAbsolute.row)
        // Whole columns/rows carry the spanned axis as absolute 1, so equal ranges compare equal.
        let relativeHost = host
        let start = FormulaCellReference(
            SheetCell(column: left, row: top), isColumnAbsolute: leftAbs, isRowAbsolute: topAbs, host: relativeHost)
        let end = FormulaCellReference(
            SheetCell(column: right, row: bottom), isColumnAbsolute: rightAbs, isRowAbsolute: bottomAbs, host: relativeHost)
        return FormulaRangeReference(start: start, end: end, shape: literal.shape)
    }
}
