import CGridlineSystem
import Glibc

/// A connection's queued output: whole chunks, the first possibly partly written.
/// Flushed with one gathered write (`sendmsg`, like `writev`) per loop pass (uWebSockets calls this corking),
/// at most the loop's write budget at a time.
struct Outbox {
    private var chunks: [ByteChunk] = []
    private var head = 0
    /// Bytes of `chunks[head]` already written.
    private var headOffset = 0
    private(set) var pendingBytes = 0

    var isEmpty: Bool { head == chunks.count }

    mutating func append(_ chunk: ByteChunk) {
        guard chunk.count > 0 else { return }
        chunks.append(chunk)
        pendingBytes += chunk.count
    }

    /// Drops every chunk not yet started, keeping a partly written one so the byte stream
    /// stays well framed. Returns the bytes dropped.
    @discardableResult
    mutating func dropUnstarted() -> Int {
        let keep = headOffset > 0 ? head + 1 : head
        var dropped = 0
        if keep < chunks.count {
            for chunk in chunks[keep...] { dropped += chunk.count }
            chunks.removeSubrange(keep...)
        }
        pendingBytes -= dropped
        return dropped
    }

    enum FlushResult {
        case drained
        case wouldBlock
        /// `limit` bytes went out and more is queued; the socket may well take the rest.
        case budgetSpent
        case failed(Int32)
    }

    /// Writes as much as the socket takes without blocking, but no more than `limit` bytes.
    mutating func flush(fd: Int32, scratch: UnsafeMutablePointer<iovec>, scratchCount: Int,
                        limit: Int = .max) -> (FlushResult, written: Int) {
        var total = 0
        while head < chunks.count {
            guard total < limit else { return (.budgetSpent, total) }
            var count = 0
            var index = head
            var room = limit - total
            while index < chunks.count, count < scratchCount, room > 0 {
                let chunk = chunks[index]
                let skip = index == head ? headOffset : 0
                let length = min(chunk.count - skip, room)
                scratch[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: chunk.pointer + skip), iov_len: length)
                room -= length
                count += 1
                index += 1
            }
            // sendmsg rather than writev for MSG_NOSIGNAL: a reset peer is an EPIPE, never a SIGPIPE.
            var message = msghdr()
            message.msg_iov = scratch
            message.msg_iovlen = count
            let n = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
            if n < 0 {
                let err = errno
                if err == EINTR { continue }
                if err == EAGAIN || err == EWOULDBLOCK { return (.wouldBlock, total) }
                return (.failed(err), total)
            }
            total += n
            consume(n)
        }
        chunks.removeAll(keepingCapacity: chunks.count <= 16)
        head = 0
        headOffset = 0
        return (.drained, total)
    }

    private mutating func consume(_ written: Int) {
        var remaining = written
        pendingBytes -= written
        while remaining > 0 {
            let available = chunks[head].count - headOffset
            if remaining >= available {
                remaining -= available
                head += 1
                headOffset = 0
            } else {
                headOffset += remaining
                remaining = 0
            }
        }
        // Compact occasionally so a long-lived slow connection doesn't keep a growing prefix.
        if head > 64, head * 2 > chunks.count {
            chunks.removeSubrange(0..<head)
            head = 0
        }
    }
}
