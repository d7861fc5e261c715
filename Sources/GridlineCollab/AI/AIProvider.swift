import GridlineJSON
import GridlineFormula

/// Something that answers an `ai_request` (SPEC §7). A provider runs on a worker thread, off the
/// event loop, so it must not touch loop-owned state: everything it needs arrives in the
/// request, and everything it says leaves through `progress` and the returned result.
public protocol AIProvider: Sendable {
    /// Runs the analysis, calling `progress` as real work advances (0…100, never going back,
    /// with a short status text) and checking `isCancelled` between chunks of work.
    /// Throws `AIProviderError.cancelled` once it sees a cancellation, or another case on failure.
    func analyze(
        _ request: AIAnalysisRequest,
        progress: (Int, String) -> Void,
        isCancelled: () -> Bool
    ) throws(AIProviderError) -> AIAnalysisResult
}

/// One stored cell handed to a provider.
public struct AICell: Sendable, Equatable {
    public let address: SheetCell
    /// The cell's value as the store keeps it: JSON text such as `12.5`, `"abc"`, `true`, `null`.
    public let valueJSON: String

    public init(address: SheetCell, valueJSON: String) {
        self.address = address
        self.valueJSON = valueJSON
    }
}

/// What an `ai_request` asks for, with the sheet's cells already read from the store.
public struct AIAnalysisRequest: Sendable {
    /// The user's question, as typed.
    public let query: String
    /// The `table_range` to look at; nil means the whole sheet.
    public let range: CellRange?
    /// The sheet's stored cells, in any order; cells outside `range` may be included and are
    /// ignored, so the caller can hand over a whole sheet without filtering it first.
    public let cells: [AICell]

    public init(query: String, range: CellRange?, cells: [AICell]) {
        self.query = query
        self.range = range
        self.cells = cells
    }
}

/// A finished analysis: what `ai_complete` carries (SPEC §7).
public struct AIAnalysisResult: Sendable, Equatable {
    /// A short readable summary for people.
    public let result: String
    /// The figures behind the summary, as a JSON object, for programs.
    public let figures: JSONValue

    public init(result: String, figures: JSONValue) {
        self.result = result
        self.figures = figures
    }
}

/// Why an analysis did not finish; mapped to `ai_cancelled` or `ai_error` by the server.
public enum AIProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `isCancelled` said yes (the user sent `ai_cancel` or left); no result is produced.
    case cancelled
    /// The provider could not answer; the text is safe to show the user.
    case providerFailed(String)

    public var description: String {
        switch self {
        case .cancelled: return "the analysis was cancelled"
        case .providerFailed(let reason): return "the analysis failed: \(reason)"
        }
    }
}

/// A provider that always fails, so the `ai_error` path can be exercised end to end.
public struct FailingProvider: AIProvider {
    public let reason: String

    public init(reason: String = "the AI provider is unavailable") {
        self.reason = reason
    }

    public func analyze(
        _ request: AIAnalysisRequest,
        progress: (Int, String) -> Void,
        isCancelled: () -> Bool
    ) throws(AIProviderError) -> AIAnalysisResult {
        throw .providerFailed(reason)
    }
}
