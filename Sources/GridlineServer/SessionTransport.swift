import GridlineLoop

/// What carries a client session's frames: raw WebSocket, or Engine.IO over WebSocket or
/// long-polling. The session decides what to send and when to give up on a slow reader; the
/// transport only encodes and moves bytes. Loop thread only.
protocol SessionTransport: AnyObject {
    /// For logs and stats: `websocket`, `socketio-polling`, `socketio-websocket`.
    var name: String { get }
    /// Bytes queued towards the client and not yet written.
    var pendingBytes: Int { get }
    /// Queues one message; the session has already applied the send-buffer cap.
    func deliver(_ message: OutgoingMessage)
    /// Forgets queued output that has not started going out (a slow consumer is being closed).
    func discardUnsentOutput()
    /// Ends the session on the wire with `code` (RFC 6455 close codes; other transports map
    /// them) and closes after `grace` seconds if the peer does not finish first.
    func close(code: UInt16, reason: String, grace: Double)
    /// Called once a second: pings and silence timeouts.
    func heartbeat(now: UInt64)
}
