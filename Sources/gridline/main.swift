import Foundation
import GridlineBench
import GridlineServer

/// `gridline serve | migrate | token | bench` — argument parsing only; the work is in GridlineServer.
let usage = """
    usage: gridline serve [--host H] [--port P] [--data-dir D]
           gridline migrate [--data-dir D]
           gridline token --user ID [--username N] [--email E] [--role viewer|editor|admin] [--ttl SECONDS] [--rooms a,b]
           gridline bench --help
           gridline bench --scenario store [--updates 100000] [--single-updates 3000] [--data-dir D]
           gridline bench --scenario formula-engine [--rows 100000] [--range-formulas 1000] [--repeats 10]
    Settings come from the environment (see README); flags override them.
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("gridline: \(message)\n".utf8))
    exit(2)
}

/// Parses `--name value` pairs; unknown flags are an error.
func parseFlags(_ args: ArraySlice<String>, allowed: Set<String>) -> [String: String] {
    var flags: [String: String] = [:]
    var index = args.startIndex
    while index < args.endIndex {
        let flag = args[index]
        guard flag.hasPrefix("--"), allowed.contains(String(flag.dropFirst(2))) else { fail("unknown argument \(flag)\n\(usage)") }
        guard index + 1 < args.endIndex else { fail("\(flag) needs a value") }
        flags[String(flag.dropFirst(2))] = args[index + 1]
        index += 2
    }
    return flags
}

func loadSettings(_ flags: [String: String]) -> Settings {
    var env = ProcessInfo.processInfo.environment
    if let host = flags["host"] { env["GRIDLINE_HOST"] = host }
    if let port = flags["port"] { env["GRIDLINE_PORT"] = port }
    if let dir = flags["data-dir"] { env["GRIDLINE_DATA_DIR"] = dir }
    do {
        return try Settings.fromEnvironment(env)
    } catch {
        fail(error.description)
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail(usage) }
let rest = arguments.dropFirst(2)

switch arguments[1] {
case "serve":
    let settings = loadSettings(parseFlags(rest, allowed: ["host", "port", "data-dir"]))
    do {
        try Launcher.serve(settings: settings)
    } catch {
        fail("\(error)")
    }
case "migrate":
    let settings = loadSettings(parseFlags(rest, allowed: ["data-dir"]))
    do {
        let versions = try Launcher.migrate(settings: settings)
        print("migrations applied: \(versions.map(String.init).joined(separator: ", "))")
    } catch {
        fail("\(error)")
    }
case "token":
    let flags = parseFlags(rest, allowed: ["user", "username", "email", "role", "ttl", "rooms", "data-dir"])
    let settings = loadSettings(flags)
    do {
        print(try Launcher.token(settings: settings, flags: flags))
    } catch {
        fail("\(error)")
    }
case "bench":
    // The store and formula-engine scenarios run in-process; the others load a server.
    var flags = Array(rest)
    if let index = flags.firstIndex(of: "--scenario"), index + 1 < flags.count, flags[index + 1] == "store" {
        flags.removeSubrange(index...(index + 1))
        let parsed = parseFlags(flags[...], allowed: ["updates", "single-updates", "data-dir"])
        do {
            print(try Launcher.storeBenchmark(settings: loadSettings([:]), flags: parsed))
        } catch {
            fail("\(error)")
        }
    } else if let index = flags.firstIndex(of: "--scenario"), index + 1 < flags.count, flags[index + 1] == "formula-engine" {
        flags.removeSubrange(index...(index + 1))
        do {
            print(try Launcher.formulaEngineBenchmark(flags: parseFlags(flags[...], allowed: ["rows", "range-formulas", "repeats"])))
        } catch {
            fail("\(error)")
        }
    } else {
        exit(BenchCommand.run(arguments: Array(rest)))
    }
case "-h", "--help", "help":
    print(usage)
default:
    fail("unknown command \(arguments[1])\n\(usage)")
}
