import Foundation
import GridlineJSON

/// The cluster scenario's headline figures against issue 14's targets: the members in front of
/// the result line and the human table printed at the end.
struct ClusterSummary {
    var cursorLatency: JSONObject?
    var cellLatency: JSONObject?
    var singleCellLatency: JSONObject?
    var clusterFanout: [JSONObject] = []
    var singleFanout: JSONObject?
    var forwarded: JSONObject?
    var singleCells: JSONObject?
    var ownerCells: JSONObject?
    var twoNodeGridline: [JSONObject] = []
    var twoNodePython: [JSONObject] = []

    /// One row of the table: what, measured, target, whether it is met (nil: no target).
    struct Row {
        var name: String
        var measured: String
        var target: String
        var met: Bool?
    }

    private static func number(_ object: JSONObject?, _ key: String) -> Double? {
        object?[key]?.doubleValue
    }

    var members: [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        func add(_ key: String, _ value: Double?, places: Double = 1) {
            guard let value, value.isFinite else { return }
            out.append((key, .number((value * places).rounded() / places)))
        }
        add("cursor_lat_p50_us", Self.number(cursorLatency, "lat_p50_us"))
        add("cursor_lat_p99_us", Self.number(cursorLatency, "lat_p99_us"))
        add("cursor_delivery_ratio", Self.number(cursorLatency, "delivery_ratio"), places: 10_000)
        add("cell_lat_p50_us", Self.number(cellLatency, "remote_p50_us"))
        add("cell_lat_p99_us", Self.number(cellLatency, "remote_p99_us"))
        add("single_node_cell_lat_p50_us", Self.number(singleCellLatency, "remote_p50_us"))
        add("single_node_cell_lat_p99_us", Self.number(singleCellLatency, "remote_p99_us"))
        let best = ClusterScenario.best(clusterFanout)
        add("fanout_best_delivered_per_s", best.perSecond)
        add("fanout_best_window", Double(best.window))
        add("fanout_single_node_delivered_per_s", Self.number(singleFanout, "delivered_per_s"))
        add("forwarded_acked_per_s", Self.number(forwarded, "acked_per_s"))
        add("owner_acked_per_s", Self.number(ownerCells, "acked_per_s"))
        add("single_node_acked_per_s", Self.number(singleCells, "acked_per_s"))
        if let forwarded = Self.number(forwarded, "acked_per_s"), let single = Self.number(singleCells, "acked_per_s"), single > 0 {
            add("forwarded_to_single_ratio", forwarded / single, places: 1000)
        }
        if !twoNodePython.isEmpty {
            let gridline = ClusterScenario.best(twoNodeGridline).perSecond
            let python = ClusterScenario.best(twoNodePython).perSecond
            add("two_node_gridline_delivered_per_s", gridline)
            add("two_node_socketio_redis_delivered_per_s", python)
            if python > 0 { add("gridline_to_socketio_redis_ratio", gridline / python, places: 10) }
        }
        return out
    }

    var rows: [Row] {
        var rows: [Row] = []
        let us = { (value: Double?) in value.map { String(format: "%.0f µs", $0) } ?? "—" }
        let rate = { (value: Double?) in value.map { String(format: "%.0f/s", $0) } ?? "—" }
        if let cursorLatency {
            let p50 = Self.number(cursorLatency, "lat_p50_us"), p99 = Self.number(cursorLatency, "lat_p99_us")
            rows.append(Row(name: "cursor_move n1 → n2/n3, p50", measured: us(p50), target: "≤ 1000 µs", met: p50.map { $0 <= 1000 }))
            rows.append(Row(name: "cursor_move n1 → n2/n3, p99", measured: us(p99), target: "≤ 5000 µs", met: p99.map { $0 <= 5000 }))
        }
        if let cellLatency {
            let p50 = Self.number(cellLatency, "remote_p50_us"), p99 = Self.number(cellLatency, "remote_p99_us")
            rows.append(Row(name: "cell_update n1 → n2/n3 reader, p50", measured: us(p50), target: "≤ 1000 µs", met: p50.map { $0 <= 1000 }))
            rows.append(Row(name: "cell_update n1 → n2/n3 reader, p99", measured: us(p99), target: "≤ 5000 µs", met: p99.map { $0 <= 5000 }))
        }
        if let singleCellLatency {
            rows.append(Row(name: "cell_update on the single node, p50 / p99",
                            measured: us(Self.number(singleCellLatency, "remote_p50_us")) + " / " + us(Self.number(singleCellLatency, "remote_p99_us")),
                            target: "reference", met: nil))
        }
        if !clusterFanout.isEmpty {
            let best = ClusterScenario.best(clusterFanout)
            rows.append(Row(name: "room events through Redis (3 nodes, window \(best.window))", measured: rate(best.perSecond),
                            target: "≥ 150000/s", met: best.perSecond >= 150_000))
        }
        if let singleFanout {
            rows.append(Row(name: "same fan-out on the single node", measured: rate(Self.number(singleFanout, "delivered_per_s")),
                            target: "reference", met: nil))
        }
        if let forwarded, let singleCells {
            let f = Self.number(forwarded, "acked_per_s") ?? 0, s = Self.number(singleCells, "acked_per_s") ?? 0
            rows.append(Row(name: "forwarded durable writes (n2, n3 → n1)", measured: rate(f) + (s > 0 ? String(format: " (%.0f%%)", 100 * f / s) : ""),
                            target: "≥ 50% of single", met: s > 0 && f >= s / 2))
            if let owner = Self.number(ownerCells, "acked_per_s") {
                rows.append(Row(name: "same writes on n1, the owner (no forward)",
                                measured: rate(owner) + (s > 0 ? String(format: " (%.0f%%)", 100 * owner / s) : ""), target: "reference", met: nil))
            }
            rows.append(Row(name: "same writes on the single node", measured: rate(s), target: "reference", met: nil))
        }
        if !twoNodePython.isEmpty {
            let g = ClusterScenario.best(twoNodeGridline).perSecond, p = ClusterScenario.best(twoNodePython).perSecond
            rows.append(Row(name: "2-node fan-out, Gridline", measured: rate(g) + (p > 0 ? String(format: " (%.1f×)", g / p) : ""),
                            target: "≥ 10× python-socketio", met: p > 0 && g >= 10 * p))
            rows.append(Row(name: "2-node fan-out, python-socketio AsyncRedisManager", measured: rate(p), target: "reference", met: nil))
        }
        return rows
    }

    /// The rows as an aligned text table.
    func table() -> String {
        let all = [Row(name: "measure", measured: "measured", target: "target", met: nil)] + rows
        let widths = [all.map(\.name.count).max() ?? 0, all.map(\.measured.count).max() ?? 0, all.map(\.target.count).max() ?? 0]
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        return all.enumerated().map { index, row in
            let met = index == 0 ? "met" : row.met.map { $0 ? "yes" : "no" } ?? ""
            return "\(pad(row.name, widths[0]))  \(pad(row.measured, widths[1]))  \(pad(row.target, widths[2]))  \(met)"
        }.joined(separator: "\n")
    }
}
