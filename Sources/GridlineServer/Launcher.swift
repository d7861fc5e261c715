import Foundation
import GridlineCollab
import GridlineCrypto
import GridlineJSON
import GridlineStore

/// What the `gridline` subcommands do, kept here so tests can run them in-process.
public enum Launcher {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Prepares the data directory and secret, starts the server and runs it until shutdown.
    public static func serve(settings: Settings) throws {
        // A peer that resets mid-write must cost an EPIPE, not the process.
        signal(SIGPIPE, SIG_IGN)
        raiseOpenFileLimit()
        try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
        let (secret, generated) = try Secrets.resolve(settings: settings)
        let store = try openStore(settings: settings)
        let server = try Server(settings: settings, secret: secret, store: store)
        let port = try server.start()
        server.installSignalHandlers()
        if settings.jwtSecret == nil {
            let token = makeToken(secret: secret, user: "admin", username: "admin", email: nil, role: .admin,
                                  ttl: 86400, rooms: nil)
            let origin = "http://\(settings.host):\(port)"
            FileHandle.standardOutput.write(Data("""
                gridline \(Server.version) listening on \(origin)
                development secret: \(settings.dataDirectory)/\(Secrets.devSecretFileName)\(generated ? " (created)" : "")
                admin token (24 h): \(token)
                table editor: \(origin)/?token=\(token)

                """.utf8))
        }
        server.run()
    }

    /// `gridline bench --scenario store`: durable single-cell compare-and-set throughput with
    /// group commit and with one transaction per update, on a scratch database. One JSON line.
    public static func storeBenchmark(settings: Settings, flags: [String: String]) throws -> String {
        let grouped = Int(flags["updates"] ?? "") ?? 100_000
        let single = Int(flags["single-updates"] ?? "") ?? 3_000
        guard grouped > 0, grouped <= 10_000_000, single > 0, single <= 1_000_000 else {
            throw Failure(description: "--updates and --single-updates must be positive (at most 10,000,000 / 1,000,000)")
        }
        let migrations = try locate("Migrations", explicit: settings.migrationsDirectory, variable: "GRIDLINE_MIGRATIONS_DIR")
        let base = URL(fileURLWithPath: flags["data-dir"] ?? NSTemporaryDirectory() + "gridline-store-bench-\(getpid())")
        defer { if flags["data-dir"] == nil { try? FileManager.default.removeItem(at: base) } }
        let groupedRate = try StoreBenchmark.cellUpdates(dataDirectory: base.appendingPathComponent("grouped"), updates: grouped,
                                                         groupCommit: true, migrationsDirectory: migrations)
        let singleRate = try StoreBenchmark.cellUpdates(dataDirectory: base.appendingPathComponent("single"), updates: single,
                                                        groupCommit: false, migrationsDirectory: migrations)
        let result: JSONValue = [
            "scenario": "store", "synchronous": "FULL", "journal_mode": "WAL",
            "group_commit_updates": JSONValue(grouped), "group_commit_per_s": .number(groupedRate.rounded()),
            "single_transaction_updates": JSONValue(single), "single_transaction_per_s": .number(singleRate.rounded()),
        ]
        return result.serializedString
    }

    /// `gridline bench --scenario formula-engine`: the formula engine's recalculation alone,
    /// in-process, no database (`FormulaEngineBenchmark`). One JSON line.
    public static func formulaEngineBenchmark(flags: [String: String]) throws -> String {
        let rows = Int(flags["rows"] ?? "") ?? 100_000
        let rangeFormulas = Int(flags["range-formulas"] ?? "") ?? 1000
        let repeats = Int(flags["repeats"] ?? "") ?? 10
        guard (2...1_000_000).contains(rows), (1...100_000).contains(rangeFormulas), (1...1000).contains(repeats) else {
            throw Failure(description: "--rows must be 2...1000000, --range-formulas 1...100000, --repeats 1...1000")
        }
        return FormulaEngineBenchmark.run(rows: rows, rangeFormulas: rangeFormulas, repeats: repeats).serializedString
    }

    /// Lifts the soft open-file limit to the hard one: the usual soft 1024 would cap the
    /// server at about a thousand connections although the system allows far more.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Opens the database: applies migrations, loads the seed into an empty database.
    static func openStore(settings: Settings) throws -> Store {
        let migrations = try locate("Migrations", explicit: settings.migrationsDirectory, variable: "GRIDLINE_MIGRATIONS_DIR")
        let seed = try? locate("seed", explicit: settings.seedDirectory, variable: "GRIDLINE_SEED_DIR")
        var options = Store.Options()
        options.markInterruptedJobs = settings.redis == nil
        options.maxDatabaseBytes = settings.maxDatabaseMegabytes.map { Int64($0) << 20 }
        return try Store.open(dataDirectory: URL(fileURLWithPath: settings.dataDirectory), migrationsDirectory: migrations,
                              seedDirectory: seed, options: options)
    }

    /// `gridline migrate`: applies pending migrations and reports the versions now applied.
    public static func migrate(settings: Settings) throws -> [Int64] {
        let migrations = try locate("Migrations", explicit: settings.migrationsDirectory, variable: "GRIDLINE_MIGRATIONS_DIR")
        return try Store.migrate(dataDirectory: URL(fileURLWithPath: settings.dataDirectory), migrationsDirectory: migrations)
    }

    /// A project directory (`Migrations`, `seed`): the setting if given, else `./NAME`, else next
    /// to the executable's package (so `.build/debug/gridline` run from anywhere finds them).
    static func locate(_ name: String, explicit: String?, variable: String) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(name)]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory.appendingPathComponent(name))
            directory = directory.deletingLastPathComponent()
        }
        var isDirectory: ObjCBool = false
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory) && isDirectory.boolValue {
            return candidate
        }
        throw Failure(description: "cannot find the \(name) directory; set \(variable)")
    }

    public static func makeToken(secret: [UInt8], user: String, username: String?, email: String?, role: Role,
                                 ttl: Int64, rooms: [String]?) -> String {
        let now = Timestamp.nowMilliseconds() / 1000
        let claims = JWTClaims(sub: user, username: username, email: email, role: role.rawValue, exp: now + ttl,
                               nbf: nil, iat: now, rooms: rooms)
        return JWT.sign(claims, secret: secret)
    }

    /// `gridline token`: a token signed with the configured (or development) secret.
    public static func token(settings: Settings, flags: [String: String]) throws -> String {
        guard let user = flags["user"], !user.isEmpty else { throw Failure(description: "token needs --user") }
        let role = try flags["role"].map { (raw: String) throws -> Role in
            guard let role = Role(rawValue: raw) else { throw Failure(description: "--role must be viewer, editor or admin") }
            return role
        } ?? .editor
        let ttl = try flags["ttl"].map { (raw: String) throws -> Int64 in
            guard let seconds = Int64(raw), seconds > 0 else { throw Failure(description: "--ttl must be a positive number of seconds") }
            return seconds
        } ?? 3600
        let rooms = flags["rooms"].map { $0.split(separator: ",").map(String.init) }
        try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
        let (secret, _) = try Secrets.resolve(settings: settings)
        return makeToken(secret: secret, user: user, username: flags["username"], email: flags["email"], role: role,
                         ttl: ttl, rooms: rooms)
    }
}
