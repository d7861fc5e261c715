import Foundation
import Glibc

/// A blocking loopback TCP socket with read timeouts, for speaking raw bytes to the server.
final class RawSocket {
    private(set) var fd: Int32
    private(set) var closedByPeer = false

    init(port: UInt16, host: String = "127.0.0.1") throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let err = errno
            Glibc.close(fd)
            throw NSError(domain: "RawSocket", code: Int(err), userInfo: [NSLocalizedDescriptionKey: "connect failed: \(err)"])
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Reads what is available within `timeout` seconds; empty when nothing came or the peer closed.
    func receive(timeout: TimeInterval, max: Int = 65536) -> [UInt8] {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        if n <= 0 {
            closedByPeer = true
            return []
        }
        return Array(buffer[0..<n])
    }

    /// Reads until `predicate` holds for everything read so far, the peer closes, or time runs out.
    func receive(until predicate: ([UInt8]) -> Bool, timeout: TimeInterval) -> [UInt8] {
        var all: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, !predicate(all) {
            let chunk = receive(timeout: max(0.01, deadline.timeIntervalSinceNow))
            if chunk.isEmpty, closedByPeer { break }
            all += chunk
        }
        return all
    }

    /// Whether the peer closes the connection within `timeout` (reading and dropping data meanwhile).
    func waitForPeerClose(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            _ = receive(timeout: max(0.01, deadline.timeIntervalSinceNow))
            if closedByPeer { return true }
        }
        return false
    }

    /// Closes once; later calls (and deinit) do nothing, so a reused descriptor is never hit.
    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}

/// A parsed HTTP response (status, headers, body) from raw bytes.
struct RawHTTPResponse {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }

    /// Parses one response from the front of `bytes`; nil until it is complete. Returns the bytes used.
    static func parse(_ bytes: [UInt8]) -> (RawHTTPResponse, Int)? {
        let marker: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: marker) else { return nil }
        let headText = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end.upperBound
        guard bytes.count >= bodyStart + length else { return nil }
        return (RawHTTPResponse(status: status, headers: headers, body: Array(bytes[bodyStart..<(bodyStart + length)])),
                bodyStart + length)
    }
}
