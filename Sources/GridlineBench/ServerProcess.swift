import Glibc

/// Reads the server's resident memory from /proc, for per-connection memory figures. Only
/// meaningful when the bench runs on the server's machine (always so on loopback).
enum ServerProcess {
    /// VmRSS in KiB, or nil when the process or the field is not there.
    static func residentKiB(pid: Int32) -> Int? {
        guard let bytes = readProcFile("/proc/\(pid)/status") else { return nil }
        return residentKiB(status: String(decoding: bytes, as: UTF8.self))
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
