import GridlineJSON
import GridlineFormula
@testable import GridlineCollab

/// Builders shared by the AI tests.
enum AITestSupport {
    /// Cells A1, A2, … down one column holding `values` as JSON numbers.
    static func column(_ values: [Double], letter: String = "A") -> [AICell] {
        values.enumerated().map { index, value in
            AICell(address: SheetCell(a1: "\(letter)\(index + 1)")!, valueJSON: JSONValue.number(value).serializedString)
        }
    }

    /// Cells given as (cell id, stored JSON text) pairs.
    static func cells(_ pairs: [(String, String)]) -> [AICell] {
        pairs.map { AICell(address: SheetCell(a1: $0.0)!, valueJSON: $0.1) }
    }

    /// Runs `provider` without cancellation, collecting every progress report.
    static func run(
        _ provider: some AIProvider, _ request: AIAnalysisRequest
    ) throws -> (result: AIAnalysisResult, progress: [(Int, String)]) {
        var reports: [(Int, String)] = []
        let result = try provider.analyze(request, progress: { reports.append(($0, $1)) }, isCancelled: { false })
        return (result, reports)
    }
}

extension AIAnalysisResult {
    /// A member of the figures object (nil when absent).
    subscript(figure key: String) -> JSONValue? { figures.objectValue?[key] }

    func number(_ key: String) -> Double? { self[figure: key]?.doubleValue }
}
