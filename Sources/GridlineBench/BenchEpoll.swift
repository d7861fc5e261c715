import CGridlineSystem
import Glibc

/// What a client pool needs from the kernel: an epoll set, its event buffers, and one receive
/// buffer shared by every connection (a pool reads one socket at a time). Shared by the
/// WebSocket and long-polling pools.
final class BenchEpoll {
    let fd: Int32
    /// Where `recv` lands before a client keeps what it needs.
    let scratch: UnsafeMutableRawBufferPointer
    let maxEvents = 1024
    let events: UnsafeMutablePointer<UInt32>
    /// The token each ready descriptor was registered with (the client's index).
    let datas: UnsafeMutablePointer<UInt64>

    init() throws(BenchFailure) {
        fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw BenchFailure("epoll_create1: \(String(cString: strerror(errno)))") }
        scratch = .allocate(byteCount: 256 * 1024, alignment: 16)
        events = .allocate(capacity: maxEvents)
        datas = .allocate(capacity: maxEvents)
    }

    /// Ready descriptors, at most `maxEvents`; -1 on error (EINTR included).
    func wait(timeoutMs: Int32) -> Int32 {
        cgl_epoll_wait(fd, events, datas, Int32(maxEvents), timeoutMs)
    }

    deinit {
        close(fd)
        scratch.deallocate()
        events.deallocate()
        datas.deallocate()
    }
}
