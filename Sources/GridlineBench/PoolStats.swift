/// Counters the pool keeps for every scenario: how connections went, what failed and how,
/// and which close codes the server sent. Kinds are short snake_case strings so they can go
/// straight into the result line.
struct PoolStats {
    var launched = 0
    var opened = 0
    var failed = 0
    var framesReceived = 0
    var bytesReceived = 0
    var pingsAnswered = 0
    var errors: [String: Int] = [:]
    /// Every close code the server sent, "none" for a close frame without a body.
    var closeCodes: [String: Int] = [:]
    /// Connections the server closed before we started closing them.
    var serverClosedEarly = 0
    var handshakeLatency = LatencyHistogram()

    mutating func count(_ kind: String) {
        errors[kind, default: 0] += 1
    }

    var errorTotal: Int { errors.values.reduce(0, +) }
}
