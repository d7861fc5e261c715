import Foundation

/// Blocking REST calls over a raw socket (one request per connection), for end-to-end tests.
enum REST {
    static let admin = Tokens.make(user: "admin", role: "admin")

    static func call(_ port: UInt16, _ method: String, _ path: String, token: String? = admin, body: Any? = nil,
                     rawBody: [UInt8]? = nil, headers: [String: String] = [:], timeout: TimeInterval = 10) throws -> RawHTTPResponse {
        let socket = try RawSocket(port: port)
        var payload: [UInt8] = rawBody ?? []
        if let body { payload = Array(try JSONSerialization.data(withJSONObject: body)) }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        if !payload.isEmpty || method == "POST" || method == "PUT" {
            request += "Content-Length: \(payload.count)\r\nContent-Type: application/json\r\n"
        }
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        socket.send(Array(request.utf8) + payload)
        let bytes = socket.receive(until: { RawHTTPResponse.parse($0) != nil }, timeout: timeout)
        guard let (response, _) = RawHTTPResponse.parse(bytes) else {
            throw NSError(domain: "REST", code: 1, userInfo: [NSLocalizedDescriptionKey: "no response to \(method) \(path)"])
        }
        return response
    }
}
