/// Why a formula's text does not parse: where (0-based, counted in characters from the
/// leading `=`) and what the parser expected there. SPEC §14 refuses such a write with
/// `INVALID_MESSAGE`; `description` is the human detail.
public struct FormulaParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var position: Int
    public var expected: String

    public init(position: Int, expected: String) {
        self.position = position
        self.expected = expected
    }

    /// "position 7: expected ')'".
    public var description: String { "position \(position): expected \(expected)" }
}
