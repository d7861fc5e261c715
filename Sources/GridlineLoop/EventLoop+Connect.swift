import CGridlineSystem
import Dispatch
import Glibc

/// An outbound socket whose non-blocking connect has not finished yet.
struct PendingConnect {
    let peerAddress: String
    let port: UInt16
    let timer: TimerHandle
    let completion: (Result<Connection, SocketError>) -> Void
}

/// Carries a loop-thread closure through a resolver thread; it is only called back on the loop.
private struct LoopBound<Value>: @unchecked Sendable {
    let value: Value
}

extension EventLoop {
    /// Opens an outbound TCP connection (for clients of other services, e.g. Redis). The connect
    /// is non-blocking: its completion is seen as writability (EPOLLOUT), and `completion` runs
    /// on the loop thread in a later pass, never inside this call, with a `Connection` read and
    /// flushed like an accepted one, or the error (`ETIMEDOUT` after `timeout` seconds).
    /// A host name is resolved on a background thread so the loop never waits on DNS.
    /// Loop thread only.
    public func connect(host: String, port: UInt16, timeout: Double,
                        completion: @escaping (Result<Connection, SocketError>) -> Void) {
        var probe = in_addr()
        if inet_pton(AF_INET, host, &probe) == 1 {
            startConnect(ipv4: host, port: port, timeout: timeout, completion: completion)
            return
        }
        let bound = LoopBound(value: completion)
        DispatchQueue.global().async { [self] in
            let resolved = Socket.resolveIPv4(host)
            self.execute { [self] in
                guard let ipv4 = resolved else {
                    return bound.value(.failure(SocketError(call: "resolve \(host)", code: EHOSTUNREACH)))
                }
                self.startConnect(ipv4: ipv4, port: port, timeout: timeout, completion: bound.value)
            }
        }
    }

    private func startConnect(ipv4: String, port: UInt16, timeout: Double,
                              completion: @escaping (Result<Connection, SocketError>) -> Void) {
        let fd: Int32
        do {
            fd = try Socket.startConnect(ipv4: ipv4, port: port)
        } catch {
            schedule(after: 0) { completion(.failure(error)) }
            return
        }
        let timer = schedule(after: timeout) { [weak self] in
            self?.abandonConnect(fd: fd, error: SocketError(call: "connect \(ipv4):\(port)", code: ETIMEDOUT))
        }
        pendingConnects[fd] = PendingConnect(peerAddress: ipv4, port: port, timer: timer, completion: completion)
        // Only the fd in the event data, like a listener, so `handle` looks it up here.
        _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, EPOLLOUT.rawValue, UInt64(UInt32(fd)))
    }

    /// Called when a connecting socket turns writable (or fails).
    func finishConnect(fd: Int32) {
        guard let pending = pendingConnects.removeValue(forKey: fd) else { return }
        pending.timer.cancel()
        let error = Socket.pendingError(fd: fd)
        guard error == 0 else {
            _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, 0, 0)
            Glibc.close(fd)
            pending.completion(.failure(SocketError(call: "connect \(pending.peerAddress):\(pending.port)", code: error)))
            return
        }
        pending.completion(.success(register(fd: fd, peerAddress: pending.peerAddress, epollOperation: EPOLL_CTL_MOD)))
    }

    private func abandonConnect(fd: Int32, error: SocketError) {
        guard let pending = pendingConnects.removeValue(forKey: fd) else { return }
        _ = cgl_epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, 0, 0)
        Glibc.close(fd)
        pending.completion(.failure(error))
    }
}
