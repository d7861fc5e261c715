/// The `idle` part of `socketio`: `--idle-sessions` long-polling sessions, each CONNECTed with
/// its own user's token and holding a GET parked, held `--hold` seconds. The server pings each
/// every pingInterval (its parked GET returns `2`), the pool POSTs `3` and parks a new GET;
/// a session the server drops shows up as lost. With `--server-pid`, the server's VmRSS
/// before and after opening them gives the memory per session.
final class PollingIdleRun: PollingPoolDelegate {
    private let options: BenchOptions
    private let pool: PollingPool
    var report = BenchReport()

    init(options: BenchOptions, pool: PollingPool) {
        self.options = options
        self.pool = pool
    }

    func pollingClientEstablished(_ client: PollingClient, now: UInt64) {}
    func pollingClient(_ client: PollingClient, received kind: SocketIOPacketScanner.Kind,
                       body: UnsafeBufferPointer<UInt8>, now: UInt64) {}

    func run() {
        pool.delegate = self
        let count = pool.clients.count
        let cpuBefore = options.serverPID.flatMap { ServerProcess.cpuSeconds(pid: $0) }
        let rssBefore = options.serverPID.flatMap { ServerProcess.residentKiB(pid: $0) }
        Progress.say("opening \(count) long-polling sessions (≤ \(pool.settings.concurrency) opening at once)")
        let start = BenchClock.now()
        pool.connectAll(now: start)
        let waves = UInt64((count + pool.settings.concurrency - 1) / pool.settings.concurrency)
        var lastReport = start
        pool.run(until: start + (waves + 1) * pool.settings.requestTimeout) { now in
            if now - lastReport >= 2_000_000_000 {
                lastReport = now
                Progress.say("  \(pool.establishedCount) connected, \(pool.stats.failed) failed")
            }
            return pool.resolvedCount < count
        }
        let connectSeconds = Double(BenchClock.now() - start) / 1e9
        // Every session's first poll returns its CONNECT answer and `connection_established`:
        // wait (bounded) until each has parked its next GET.
        pool.run(until: BenchClock.now() + 5_000_000_000) { _ in pool.parkedCount < pool.liveCount }
        let parked = pool.parkedCount
        let rssLoaded = options.serverPID.flatMap { ServerProcess.residentKiB(pid: $0) }
        Progress.say("\(pool.establishedCount)/\(count) sessions in \(String(format: "%.2f", connectSeconds)) s,"
                     + " \(parked) GETs parked; holding \(options.hold) s (server pings every \(pool.pingInterval) ms)")
        let holdStart = BenchClock.now()
        lastReport = holdStart
        pool.run(until: holdStart + BenchClock.nanoseconds(options.hold), tickMs: 50) { now in
            if now - lastReport >= 5_000_000_000 {
                lastReport = now
                Progress.say("  \(Int(Double(now - holdStart) / 1e9)) s: \(pool.liveCount) live, \(pool.lostCount) lost,"
                             + " \(pool.pingsAnswered) pings answered")
            }
            return true
        }
        let rssAfter = options.serverPID.flatMap { ServerProcess.residentKiB(pid: $0) }
        let alive = pool.liveCount
        let pingsInHold = pool.pingsAnswered

        report.set("sessions_target", count)
        report.set("established", pool.establishedCount)
        report.set("connect_s", connectSeconds, places: 3)
        report.set("sessions_per_s", connectSeconds > 0 ? Double(pool.establishedCount) / connectSeconds : 0)
        report.latency("open", pool.stats.handshakeLatency, quantiles: BenchReport.shortQuantiles)
        report.set("parked_after_open", parked)
        report.set("hold_s", options.hold)
        report.set("ping_interval_ms", Int(pool.pingInterval))
        report.set("pings_answered", pingsInHold)
        report.set("alive_after_hold", alive)
        report.set("lost", pool.lostCount)
        report.set("rss_before_kb", optional: rssBefore)
        report.set("rss_loaded_kb", optional: rssLoaded)
        report.set("rss_after_hold_kb", optional: rssAfter)
        if let rssBefore, let rssLoaded, pool.establishedCount > 0 {
            let perSession = Double(rssLoaded - rssBefore) * 1024 / Double(pool.establishedCount)
            report.set("rss_per_session_bytes", perSession, places: 0)
            Progress.say("server RSS \(rssBefore) → \(rssLoaded) kB: \(Int(perSession)) bytes per polling session")
        }
        if let cpuBefore, let cpuAfter = options.serverPID.flatMap({ ServerProcess.cpuSeconds(pid: $0) }) {
            report.set("server_cpu_s", cpuAfter - cpuBefore, places: 2)
        }
        report.set("errors", counts: pool.stats.errors)
        Progress.say("held: \(alive)/\(pool.establishedCount) alive after \(options.hold) s, \(pingsInHold) pings answered,"
                     + " \(pool.lostCount) lost")
        pool.closeAll()
    }
}
