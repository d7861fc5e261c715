/// What a scenario hears from the pool. All calls come on the bench's one thread.
protocol ClientPoolDelegate: AnyObject {
    /// The 101 was verified; the client may send.
    func clientOpened(_ client: BenchClient, now: UInt64)
    /// One complete text message from the server.
    func clientReceived(_ client: BenchClient, text: UnsafeBufferPointer<UInt8>, now: UInt64)
    /// The server sent a close frame (code nil when it had no body).
    func clientGotClose(_ client: BenchClient, code: UInt16?, now: UInt64)
}
