import CGridlineSystem
import Glibc

/// Opens a non-blocking TCP connection to the server and registers it, edge-triggered for both
/// directions, on a pool's epoll set (no EPOLL_CTL_MOD per write). Shared by the WebSocket and
/// long-polling pools.
enum BenchConnect {
    enum Outcome {
        /// Connected at once (loopback often is): start talking.
        case connected(Int32)
        /// Completes later with EPOLLOUT.
        case inProgress(Int32)
        /// A short reason for the failure counters.
        case failed(String, fd: Int32)
    }

    static func start(_ address: ServerAddress, epollFD: Int32, token: UInt64) -> Outcome {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errno == EMFILE || errno == ENFILE ? "too_many_files" : "socket", fd: -1) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = address.socketAddress
        let result = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result < 0, errno != EINPROGRESS { return .failed(errno == EADDRNOTAVAIL ? "no_local_ports" : "connect", fd: fd) }
        let interest = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        guard cgl_epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, interest, token) == 0 else { return .failed("epoll_ctl", fd: fd) }
        return result == 0 ? .connected(fd) : .inProgress(fd)
    }
}
