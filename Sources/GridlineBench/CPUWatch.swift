import Glibc
import GridlineJSON

/// CPU seconds of the processes under test (and of the bench itself) over a measured window:
/// on a shared two-core machine it says which process was the bottleneck.
struct CPUWatch {
    /// Name and PID of each process watched, in report order.
    var processes: [(name: String, pid: Int32)]

    func sample() -> [Double?] {
        processes.map { ServerProcess.cpuSeconds(pid: $0.pid) } + [ServerProcess.ownCPUSeconds()]
    }

    /// CPU seconds used since `earlier`, by name (`bench` for this process).
    func since(_ earlier: [Double?]) -> JSONObject {
        let now = sample()
        var members: [(String, JSONValue)] = []
        let names = processes.map(\.name) + ["bench"]
        for (index, name) in names.enumerated() {
            guard index < earlier.count, let before = earlier[index], let after = now[index] else { continue }
            members.append((name, .number(((after - before) * 100).rounded() / 100)))
        }
        return JSONObject(members)
    }

    /// The 1, 5 and 15 minute load averages from /proc/loadavg.
    static func loadAverage() -> [Double] {
        var values = [Double](repeating: 0, count: 3)
        guard getloadavg(&values, 3) == 3 else { return [] }
        return values.map { ($0 * 100).rounded() / 100 }
    }
}
