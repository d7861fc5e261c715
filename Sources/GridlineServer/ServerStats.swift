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
    /// Cluster messages whose MAC or header did not check out (SPEC §15).
    var clusterForgeries: UInt64 = 0
    /// Writes sent to another node, and cell events repaired from the database after a gap.
    var forwardsSent: UInt64 = 0
    var gapRepairs: UInt64 = 0

    mutating func countError(_ code: ErrorCode) {
        errorsByCode[code.rawValue, default: 0] += 1
    }
}
