import Foundation

/// Reads the server's resident memory from /proc, for per-connection memory figures. Only
/// meaningful when the bench runs on the server's machine (always so on loopback).
enum ServerProcess {
    /// VmRSS in KiB, or nil when the process or the field is not there.
    static func residentKiB(pid: Int32) -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/status") else { return nil }
        return residentKiB(status: String(decoding: data, as: UTF8.self))
    }

    /// The VmRSS line of a /proc/PID/status text ("VmRSS:   123456 kB").
    static func residentKiB(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.dropFirst("VmRSS:".count).split(separator: " ", omittingEmptySubsequences: true)
            return fields.first.flatMap { Int($0) }
        }
        return nil
    }
}
