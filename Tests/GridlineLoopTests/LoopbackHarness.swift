import Foundation
import Glibc
@testable import GridlineLoop

/// A value handed to the loop thread and used only there (the loop's types are not Sendable).
struct LoopOwned<Value>: @unchecked Sendable {
    let value: Value
}

/// An event loop on its own thread with a loopback listener, and blocking client sockets
/// connected to it. Everything it starts it stops in `stop()`.
final class LoopbackHarness: @unchecked Sendable {  // `accepted` is written on the loop, read after `acceptedSignal`
    let loop: EventLoop
    private(set) var clients: [Int32] = []
    private var port: UInt16 = 0
    private var accepted: [Connection] = []
    private let acceptedSignal = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(writeBudget: Int = EventLoop.defaultWriteBudget) throws {
        loop = try EventLoop(writeBudget: writeBudget)
        port = try loop.listen(host: "127.0.0.1", port: 0) { [unowned self] connection in
            self.accepted.append(connection)
            self.acceptedSignal.signal()
        }.port
        let thread = Thread { [loop, finished] in
            loop.run()
            finished.signal()
        }
        thread.start()
    }

    /// Connects one blocking client (with a receive timeout, so no read hangs) and returns its
    /// socket and the server side's connection. `receiveBuffer` shrinks SO_RCVBUF first.
    func connect(receiveBuffer: Int32? = nil) throws -> (client: Int32, connection: LoopOwned<Connection>) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        clients.append(fd)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw SocketError(call: "connect", code: errno) }
        guard acceptedSignal.wait(timeout: .now() + 5) == .success else { throw SocketError(call: "accept", code: ETIMEDOUT) }
        let connection = onLoop { self.accepted.removeFirst() }
        return (fd, LoopOwned(value: connection))
    }

    /// Runs `body` on the loop thread and returns its result (waits at most 10 s).
    func onLoop<Result>(_ body: @escaping () -> Result) -> Result {
        let task = LoopOwned(value: body)
        let box = ResultBox<Result>()
        let done = DispatchSemaphore(value: 0)
        loop.execute {
            box.value = task.value()
            done.signal()
        }
        precondition(done.wait(timeout: .now() + 10) == .success, "the loop did not answer within 10 s")
        return box.value!
    }

    func stop() {
        loop.stop()
        _ = finished.wait(timeout: .now() + 10)
        for fd in clients { Glibc.close(fd) }
        clients = []
    }
}

private final class ResultBox<Value>: @unchecked Sendable {  // written on the loop, read after a semaphore
    var value: Value?
}

/// Reads exactly `buffer.count` bytes from a blocking socket; false at EOF, error or timeout.
func receiveExactly(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
    var filled = 0
    let count = buffer.count
    while filled < count {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + filled, count - filled, 0) }
        if n < 0, errno == EINTR { continue }
        guard n > 0 else { return false }
        filled += n
    }
    return true
}
