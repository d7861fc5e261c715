final class CellsScenario: ScenarioRun {
    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens) {
        super.init(options: options, pool: pool, tokens: tokens, joinOnOpen: true)
    }
    func run() {}
}
enum CellName { static func forClient(_ i: Int) -> String? { "C\(i+1)" } }
