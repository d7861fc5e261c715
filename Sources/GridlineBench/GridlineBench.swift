import Foundation
import Glibc

/// `gridline bench`: a load tool for a running Gridline server. One thread, one epoll
/// instance, our own WebSocket client; every phase is bounded in count and time. Prints one
/// JSON line of results on stdout and progress on stderr. Exit status: 0 when the run
/// completed (the line says how well), 1 when it could not run, 2 for bad flags.
public enum BenchCommand {
    public static func run(arguments: [String]) -> Int32 {
        let options: BenchOptions
        do {
            options = try BenchOptions.parse(arguments)
        } catch {
            Progress.say("\(error.description)\n\(BenchOptions.usage)")
            return 2
        }
        if options.help {
            print(BenchOptions.usage)
            return 0
        }
        guard let address = ServerAddress(host: options.host, port: options.port) else {
            Progress.say("--host must be an IPv4 address such as 127.0.0.1\n\(BenchOptions.usage)")
            return 2
        }
        guard address.isLoopback || options.allowRemote else {
            Progress.say("refusing to load \(address.text): outside 127.0.0.0/8 (add --allow-remote to mean it)")
            return 2
        }
        do {
            let environment = ProcessInfo.processInfo.environment
            // A server the bench starts itself takes the bench's secret, so none needs to be configured.
            let secret = (options.spawnServer || options.scenario == .cluster) && options.secret == nil && options.secretFile == nil
                && (environment["JWT_SECRET_KEY"] ?? "").isEmpty
                ? Array("gridline-bench-\(UInt64.random(in: 1...UInt64.max))-0123456789abcdef".utf8)
                : try BenchTokens.resolveSecret(options, environment: environment)
            let line: String
            if options.scenario == .cluster {
                raiseFileLimit(needed: 4096)
                line = try ClusterScenario(options: options, address: address, tokens: BenchTokens(secret: secret)).run()
            } else if options.scenario == .socketio {
                raiseFileLimit(needed: SocketIOScenario.descriptorsNeeded(options) + 64)
                line = try SocketIOScenario(options: options, address: address, tokens: BenchTokens(secret: secret)).run()
            } else {
                raiseFileLimit(needed: options.clientCount + 64)
                line = try runScenario(options, address: address, tokens: BenchTokens(secret: secret))
            }
            // Written straight to the descriptor: no stdio buffer left to flush at exit.
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
            return 0
        } catch {
            Progress.say(error.description)
            return 1
        }
    }

    private static func runScenario(_ options: BenchOptions, address: ServerAddress, tokens: BenchTokens) throws(BenchFailure) -> String {
        let settings = ClientPool.Settings(
            address: address, hostHeader: options.host, path: options.path,
            concurrency: options.concurrency,
            connectTimeout: BenchClock.nanoseconds(options.connectTimeout),
            closeTimeout: BenchClock.nanoseconds(options.closeTimeout))
        if options.scenario == .formulas {
            // Its own clients: it restarts the server and reconnects.
            return try FormulasScenario(options: options, address: address, settings: settings, tokens: tokens).run()
        }
        // Signed before any connect so HMAC time on our side never counts as handshake latency.
        let signed = (0..<options.clientCount).map { tokens.client($0) }
        let pool = try ClientPool(count: options.clientCount, settings: settings) { signed[$0] }
        let scenario: ScenarioRun
        switch options.scenario {
        case .connect: scenario = ConnectScenario(options: options, pool: pool, tokens: tokens)
        case .idle: scenario = IdleScenario(options: options, pool: pool, tokens: tokens)
        case .fanout: scenario = FanoutScenario(options: options, pool: pool, tokens: tokens)
        case .cells: scenario = CellsScenario(options: options, pool: pool, tokens: tokens)
        case .socketio, .formulas, .cluster: throw BenchFailure("\(options.scenario) runs its own clients")
        }
        scenario.run()
        scenario.printLimitHints()
        return scenario.report.line
    }

    /// Thousands of sockets need more than the usual soft limit of 1024 descriptors.
    private static func raiseFileLimit(needed: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        guard limit.rlim_cur < rlim_t(needed) else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < rlim_t(needed) {
            Progress.say("warning: open-file limit \(limit.rlim_cur) is below the \(needed) this run needs (ulimit -n)")
        }
    }
}
