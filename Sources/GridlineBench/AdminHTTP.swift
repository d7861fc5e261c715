import Glibc

/// A minimal HTTP/1.1 client for the server's REST figures (e.g. `/api/v1/ws/stats/detailed`)
/// and the few set-up calls a scenario makes (creating its sheets).
/// Blocking with socket timeouts: it runs between load phases, never during one, and a
/// server that does not answer within the timeout just means "no figures".
enum AdminHTTP {
    struct Response {
        var status: Int
        var body: [UInt8]
    }

    static let maxResponseBytes = 4 * 1024 * 1024

    static func get(_ address: ServerAddress, hostHeader: String, path: String, token: String,
                    timeoutSeconds: Int = 3) -> Response? {
        request("GET", address, hostHeader: hostHeader, path: path, token: token, body: nil, timeoutSeconds: timeoutSeconds)
    }

    /// A JSON body POSTed with the token.
    static func post(_ address: ServerAddress, hostHeader: String, path: String, token: String, json: [UInt8],
                     timeoutSeconds: Int = 3) -> Response? {
        request("POST", address, hostHeader: hostHeader, path: path, token: token, body: json, timeoutSeconds: timeoutSeconds)
    }

    private static func request(_ method: String, _ address: ServerAddress, hostHeader: String, path: String, token: String,
                                body: [UInt8]?, timeoutSeconds: Int) -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var socketAddress = address.socketAddress
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let bodyHead = body.map { "Content-Type: application/json\r\nContent-Length: \($0.count)\r\n" } ?? ""
        let request = Array(("\(method) \(path) HTTP/1.1\r\nHost: \(hostHeader):\(address.port)\r\n"
            + "Authorization: Bearer \(token)\r\nAccept: application/json\r\n\(bodyHead)Connection: close\r\n\r\n").utf8)
            + (body ?? [])
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return nil }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let deadline = BenchClock.now() + BenchClock.nanoseconds(Double(timeoutSeconds))
        while response.count < maxResponseBytes, BenchClock.now() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            response.append(contentsOf: buffer[0..<n])
            if let parsed = parse(response), parsed.complete { return parsed.response }
        }
        return parse(response)?.response
    }

    /// Status and body of a response read so far; `complete` once Content-Length (or the
    /// last chunk of a chunked body) is in.
    static func parse(_ bytes: [UInt8]) -> (response: Response, complete: Bool)? {
        guard let headEnd = bytes.firstRange(of: [13, 10, 13, 10])?.upperBound else { return nil }
        let head = String(decoding: bytes[0..<headEnd], as: UTF8.self).lowercased()
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("http/1."),
              let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        var length: Int?
        var chunked = false
        for line in lines.dropFirst() {
            if line.hasPrefix("content-length:") { length = Int(line.dropFirst(15).trimmingCharacters(in: " \t")) }
            if line.hasPrefix("transfer-encoding:"), line.contains("chunked") { chunked = true }
        }
        let body = Array(bytes[headEnd...])
        if chunked {
            let (decoded, done) = dechunk(body)
            return (Response(status: status, body: decoded), done)
        }
        if let length { return (Response(status: status, body: Array(body.prefix(length))), body.count >= length) }
        return (Response(status: status, body: body), false)
    }

    /// RFC 9112 §7.1 chunked coding, without trailers.
    private static func dechunk(_ body: [UInt8]) -> ([UInt8], Bool) {
        var out: [UInt8] = []
        var index = 0
        while let lineEnd = body[index...].firstRange(of: [13, 10])?.lowerBound {
            let sizeText = String(decoding: body[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: " \t"), radix: 16) else { return (out, false) }
            if size == 0 { return (out, true) }
            let start = lineEnd + 2
            guard start + size <= body.count else { return (out, false) }
            out.append(contentsOf: body[start..<(start + size)])
            index = start + size + 2
            guard index <= body.count else { return (out, false) }
        }
        return (out, false)
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
