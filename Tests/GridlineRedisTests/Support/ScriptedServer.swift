import GridlineLoop

/// A fake "Redis" on the test's loop for byte-level control: it counts the commands it reads
/// (one per `*` line at the start of a command) and lets the test write any bytes back, or close.
final class ScriptedServer: ConnectionDelegate {
    private(set) var connections: [Connection] = []
    private(set) var received: [UInt8] = []
    /// What to do with each command as it arrives (by index across the connection's life).
    var onCommand: ((Connection, Int) -> Void)?
    private(set) var commandCount = 0
    private(set) var port: UInt16 = 0

    init(loop: EventLoop) throws {
        port = try loop.listen(host: "127.0.0.1", port: 0) { [unowned self] connection in
            connection.delegate = self
            self.connections.append(connection)
            self.received = []
        }.port
    }

    var acceptedCount: Int { connections.count }
    var current: Connection? { connections.last }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) -> Int {
        received.append(contentsOf: bytes)
        // Commands from our encoder are arrays of bulk strings; count them by their arrays.
        var index = 0
        while let end = nextCommandEnd(from: index) {
            index = end
            commandCount += 1
            onCommand?(connection, commandCount - 1)
        }
        received.removeFirst(index)
        return bytes.count
    }

    /// The end of one complete `*N` array of `$len` bulk strings at `start`, if complete.
    private func nextCommandEnd(from start: Int) -> Int? {
        func line(at position: Int) -> (Int, Int)? {  // (number, after CRLF)
            var i = position + 1
            var value = 0
            while i < received.count, received[i] != 13 {
                value = value * 10 + Int(received[i] - 48)
                i += 1
            }
            return i + 1 < received.count ? (value, i + 2) : nil
        }
        guard start < received.count, let (count, afterHeader) = line(at: start) else { return nil }
        var position = afterHeader
        for _ in 0..<count {
            guard position < received.count, let (length, afterLength) = line(at: position) else { return nil }
            position = afterLength + length + 2
            guard position <= received.count else { return nil }
        }
        return position
    }

    func connectionDidClose(_ connection: Connection) {}
}
