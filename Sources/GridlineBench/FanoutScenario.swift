final class FanoutScenario: ScenarioRun {
    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens) {
        super.init(options: options, pool: pool, tokens: tokens, joinOnOpen: true)
    }
    func run() {}
}
