import Glibc

/// The server's IPv4 address. The bench refuses to aim load at anything but loopback unless
/// told to, so a typo in `--host` cannot turn it into a flood against someone else's machine.
public struct ServerAddress: Sendable, Equatable {
    public let octets: (UInt8, UInt8, UInt8, UInt8)
    public private(set) var port: UInt16

    public static func == (lhs: ServerAddress, rhs: ServerAddress) -> Bool {
        lhs.octets == rhs.octets && lhs.port == rhs.port
    }

    /// Dotted-quad IPv4 only (no name lookups: the bench never resolves names); `localhost`
    /// is taken to mean 127.0.0.1.
    public init?(host: String, port: UInt16) {
        let text = host == "localhost" ? "127.0.0.1" : host
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var values: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
            values.append(value)
        }
        octets = (values[0], values[1], values[2], values[3])
        self.port = port
    }

    /// The same host on another port.
    public func with(port: UInt16) -> ServerAddress {
        var copy = self
        copy.port = port
        return copy
    }

    /// 127.0.0.0/8 (RFC 1122 §3.2.1.3).
    public var isLoopback: Bool { octets.0 == 127 }

    public var text: String { "\(octets.0).\(octets.1).\(octets.2).\(octets.3)" }

    var socketAddress: sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        let host = UInt32(octets.0) << 24 | UInt32(octets.1) << 16 | UInt32(octets.2) << 8 | UInt32(octets.3)
        address.sin_addr.s_addr = host.bigEndian
        return address
    }
}
