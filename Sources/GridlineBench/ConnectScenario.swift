/// `connect`: how fast the server admits clients. Opens `--clients` connections with at most
/// `--concurrency` connects and handshakes in flight, each with its own signed token, and
/// no join. Reports handshakes per second and handshake latency (launch to verified 101), plus
/// how many got their `connection_established` and how many were turned away.
final class ConnectScenario: ScenarioRun {
    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens) {
        super.init(options: options, pool: pool, tokens: tokens, joinOnOpen: false)
    }

    override func run() {
        connectPhase()
        // The first frame follows the 101 closely; give stragglers a bounded moment.
        pool.run(until: BenchClock.now() + BenchClock.nanoseconds(min(2, options.connectTimeout))) { _ in
            establishedCount + pool.stats.serverClosedEarly < pool.stats.opened
        }
        reportHeader()
        report.set("handshakes_ok", pool.stats.opened)
        report.set("handshake_failures", pool.stats.failed)
        report.set("handshakes_per_s", connectSeconds > 0 ? Double(pool.stats.opened) / connectSeconds : 0)
        report.set("established", establishedCount)
        report.latency("established", establishedLatency, quantiles: BenchReport.shortQuantiles)
        report.set("rejected_1013", pool.stats.closeCodes["1013", default: 0])
        closePhase()
        reportTrailer()
        Progress.say("\(pool.stats.opened) handshakes, \(Int(connectSeconds > 0 ? Double(pool.stats.opened) / connectSeconds : 0))/s,"
                     + " p50 \(pool.stats.handshakeLatency.quantile(0.5) / 1000) µs,"
                     + " p99 \(pool.stats.handshakeLatency.quantile(0.99) / 1000) µs, \(pool.stats.failed) failed")
    }
}
