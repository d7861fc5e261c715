/// `GET /metrics`: the server's counters and gauges in Prometheus text format, `gridline_` names.
extension AdminService {
    func metricsText() -> String {
        var p = PrometheusText()
        p.single("gridline_uptime_seconds", .gauge, "Seconds since the server started.", Double(uptimeSeconds))
        p.single("gridline_websocket_connections", .gauge, "Open WebSocket connections.", Double(server.sessions.count))
        p.single("gridline_http_connections", .gauge, "Open connections still speaking HTTP.", Double(server.httpSessions.count))
        p.single("gridline_connections_accepted_total", .counter, "TCP connections accepted.", Double(server.stats.connectionsAccepted))
        p.single("gridline_websocket_handshakes_total", .counter, "WebSocket upgrades completed.", Double(server.stats.websocketsOpened))
        p.single("gridline_handshakes_refused_total", .counter, "Upgrades refused (bad handshake, token or origin).",
                 Double(server.stats.handshakesRefused))
        p.single("gridline_rooms_active", .gauge, "Rooms with at least one member.", Double(server.rooms.activeCount))
        p.family("gridline_messages_received_total", .counter, "Client messages received, by type.",
                 server.router.messagesByType.map { ([("type", $0.0)], Double($0.1)) })
        p.single("gridline_frames_sent_total", .counter, "Frames queued to clients.", Double(server.stats.framesOut))
        p.family("gridline_errors_total", .counter, "Error replies sent, by code.",
                 server.stats.errorsByCode.sorted { $0.key < $1.key }.map { ([("code", $0.key)], Double($0.value)) })
        p.single("gridline_rate_limit_events_total", .counter, "Messages or connections refused by a rate limit.",
                 Double(server.stats.rateLimitEvents))
        p.single("gridline_signals_dropped_total", .counter, "Cursor/typing messages dropped past the per-connection rate.",
                 Double(server.stats.droppedSignals))
        p.single("gridline_frames_dropped_total", .counter, "Cursor/typing frames not sent to slow consumers.",
                 Double(server.stats.droppedFrames))
        p.single("gridline_slow_consumers_total", .counter, "Connections closed for passing the send-buffer cap.",
                 Double(server.stats.slowConsumers))
        p.single("gridline_bytes_received_total", .counter, "Bytes read from sockets.", Double(server.loop.bytesRead))
        p.single("gridline_bytes_sent_total", .counter, "Bytes written to sockets.", Double(server.loop.bytesWritten))
        let queued = server.sessions.all.reduce(0) { $0 + $1.pendingOutputBytes }
        p.single("gridline_fanout_queue_bytes", .gauge, "Bytes queued for clients and not yet written.", Double(queued))
        p.single("gridline_cell_updates_applied_total", .counter, "Cell updates committed.", Double(server.stats.cellUpdatesApplied))
        p.single("gridline_cells_recalculated_total", .counter, "Formula cells recomputed to a new value.",
                 Double(server.stats.cellsRecalculated))
        p.single("gridline_cell_conflicts_total", .counter, "Cell updates refused with VERSION_CONFLICT.",
                 Double(server.stats.cellConflicts))
        let writes = server.stats.cellWriteLatency
        p.histogram("gridline_cell_write_seconds",
                    "Applied cell writes: message read to its events and recalculated dependents sent to the room.",
                    buckets: writes.cumulative, sum: writes.sum, count: writes.count)
        p.single("gridline_event_loop_lag_seconds", .gauge, "How late the last 250 ms probe timer fired.",
                 loopLag.lastMilliseconds / 1000)
        p.histogram("gridline_event_loop_lag_probe_seconds", "Lateness of the event loop's probe timer.",
                    buckets: loopLag.histogram.cumulative, sum: loopLag.histogram.sum, count: loopLag.histogram.count)
        p.single("gridline_resident_memory_bytes", .gauge, "Resident set size of the process.", Double(Self.residentBytes()))
        appendDatabaseMetrics(&p)
        appendClusterMetrics(&p)
        return p.text
    }
}

extension AdminService {
    /// Only in a cluster (SPEC §15).
    private func appendClusterMetrics(_ p: inout PrometheusText) {
        guard let cluster = server.cluster else { return }
        p.single("gridline_cluster_redis_up", .gauge, "1 while both Redis connections are up and the node is registered.",
                 cluster.redisIsUp ? 1 : 0)
        p.single("gridline_cluster_owned_shards", .gauge, "Shards of rooms this node owns.", Double(cluster.ownership.ownedShards.count))
        p.single("gridline_cluster_forwards_total", .counter, "Cell writes sent to another node.", Double(server.stats.forwardsSent))
        p.single("gridline_cluster_gap_repairs_total", .counter, "Gaps in a sheet's events filled from the database.",
                 Double(server.stats.gapRepairs))
        p.single("gridline_cluster_messages_refused_total", .counter, "Cluster messages whose MAC or header was wrong.",
                 Double(server.stats.clusterForgeries))
    }

    private func appendDatabaseMetrics(_ p: inout PrometheusText) {
        let db = server.store.writer.metrics()
        p.single("gridline_db_commits_total", .counter, "Group commits of the writer thread.", Double(db.commits))
        p.single("gridline_db_commit_failures_total", .counter, "Group commits that failed.", Double(db.failedCommits))
        p.single("gridline_db_operations_total", .counter, "Operations committed by the writer.", Double(db.operations))
        p.single("gridline_db_group_size_last", .gauge, "Operations in the last group commit.", Double(db.lastGroupSize))
        p.single("gridline_db_group_size_average", .gauge, "Mean operations per group commit.", db.averageGroupSize)
        p.single("gridline_db_queue_depth", .gauge, "Operations waiting for the writer.", Double(db.queueDepth))
        p.histogram("gridline_db_commit_seconds", "Writer transaction time, BEGIN to the end of COMMIT (fsync included).",
                    buckets: db.commitLatencyBuckets.filter { $0.upperBoundSeconds.isFinite }
                        .map { ($0.upperBoundSeconds, UInt64($0.count)) },
                    sum: db.commitLatencySumSeconds, count: UInt64(db.commitLatencyCount))
    }
}
