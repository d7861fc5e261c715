import GridlineJSON

/// `idle`: what a held connection costs the server. Opens `--clients` connections joined to
/// the room, lets the join broadcasts drain, then holds them `--hold` seconds. With
/// `--server-pid` it reads the server's VmRSS before connecting, when loaded and after the
/// hold; it also asks `GET /api/v1/ws/stats/detailed` (admin token) for its `memory` object,
/// which servers without it simply do not have (a 404 is fine).
final class IdleScenario: ScenarioRun {
    init(options: BenchOptions, pool: ClientPool, tokens: BenchTokens) {
        super.init(options: options, pool: pool, tokens: tokens, joinOnOpen: !options.noJoin)
    }

    override func run() {
        let rssBefore = options.serverPID.flatMap { ServerProcess.residentKiB(pid: $0) }
        connectPhase()
        joinPhase(timeout: options.joinTimeout)
        settlePhase(maxSeconds: options.settle)
        let rssLoaded = options.serverPID.flatMap { ServerProcess.residentKiB(pid: $0) }
        let stats = fetchDetailedStats()
        Progress.say("holding \(pool.openCount) connections for \(options.hold) s")
        hold(seconds: options.hold)
        let rssAfter = options.serverPID.flatMap { ServerProcess.residentKiB(pid: $0) }

        reportHeader()
        report.set("hold_s", options.hold)
        report.set("open_after_hold", pool.openCount)
        report.set("rss_before_kb", optional: rssBefore)
        report.set("rss_loaded_kb", optional: rssLoaded)
        report.set("rss_after_hold_kb", optional: rssAfter)
        if let rssBefore, let rssLoaded, pool.stats.opened > 0 {
            let perConnection = Double(rssLoaded - rssBefore) * 1024 / Double(pool.stats.opened)
            report.set("rss_per_conn_bytes", perConnection, places: 0)
            Progress.say("server RSS \(rssBefore) → \(rssLoaded) kB: \(Int(perConnection)) bytes per connection")
        } else {
            report.set("rss_per_conn_bytes", .null)
        }
        report.set("stats_detailed_status", optional: stats.status)
        report.set("server_memory", stats.memory ?? .null)
        closePhase()
        reportTrailer()
    }

    private func fetchDetailedStats() -> (status: Int?, memory: JSONValue?) {
        guard let response = AdminHTTP.get(pool.settings.address, hostHeader: pool.settings.hostHeader,
                                           path: "/api/v1/ws/stats/detailed", token: tokens.admin()) else {
            Progress.say("GET /api/v1/ws/stats/detailed: no answer")
            return (nil, nil)
        }
        guard response.status == 200 else {
            Progress.say("GET /api/v1/ws/stats/detailed: HTTP \(response.status) (no memory figures)")
            return (response.status, nil)
        }
        let memory = (try? JSONParser.parse(response.body))?.objectValue?["memory"]
        return (response.status, memory)
    }
}
