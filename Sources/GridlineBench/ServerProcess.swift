import Glibc

/// Reads the server's resident memory from /proc, for per-connection memory figures. Only
/// meaningful when the bench runs on the server's machine (always so on loopback).
enum ServerProcess {
    /// VmRSS in KiB, or nil when the process or the field is not there.
    static func residentKiB(pid: Int32) -> Int? {
        guard let bytes = readProcFile("/proc/\(pid)/status") else { return nil }
        return residentKiB(status: String(decoding: bytes, as: UTF8.self))
    }

    /// User + system CPU seconds of a process, from fields 14 and 15 of /proc/PID/stat.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let bytes = readProcFile("/proc/\(pid)/stat") else { return nil }
        return cpuSeconds(stat: String(decoding: bytes, as: UTF8.self))
    }

    /// The command name (field 2) may contain spaces and parentheses, so fields are counted
    /// from the last ')'.
    static func cpuSeconds(stat: String) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// This process's own CPU seconds (user + system).
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// /proc files report size 0, so they are read until EOF rather than by their stat size.
    private static func readProcFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while result.count < 1 << 20 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    /// The VmRSS line of a /proc/PID/status text ("VmRSS:   123456 kB").
    static func residentKiB(status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            // The kernel pads with a tab and spaces.
            let fields = line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            return fields.first.flatMap { Int($0) }
        }
        return nil
    }
}
