import Foundation

/// Counters the REST stats endpoints and `/metrics` report. Loop thread only.
struct ServerStats {
    let startedAt = Date()
    var connectionsAccepted: UInt64 = 0
    var websocketsOpened: UInt64 = 0
    var handshakesRefused: UInt64 = 0
    var messagesIn: UInt64 = 0
    var framesOut: UInt64 = 0
    var droppedFrames: UInt64 = 0
    var droppedSignals: UInt64 = 0
    var slowConsumers: UInt64 = 0
    var errorsByCode: [String: UInt64] = [:]
    var rateLimitEvents: UInt64 = 0
    var cellUpdatesApplied: UInt64 = 0
    /// Formula cells whose value a write changed (SPEC §14).
    var cellsRecalculated: UInt64 = 0
    var cellConflicts: UInt64 = 0
    /// Applied cell writes, from the loop pass that read the message to the write's events and
    /// its recalculated dependents handed to the room's sockets (SPEC §14's receipt → broadcast).
    var cellWriteLatency = BucketHistogram(
        upperBounds: [0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5])
    /// Cluster messages whose MAC or header did not check out (SPEC §15).
    var clusterForgeries: UInt64 = 0
    /// Writes sent to another node, and cell events repaired from the database after a gap.
    var forwardsSent: UInt64 = 0
    var gapRepairs: UInt64 = 0

    mutating func countError(_ code: ErrorCode) {
        errorsByCode[code.rawValue, default: 0] += 1
    }
}
