import XCTest
@testable import GridlineBench
import GridlineJSON

/// The cluster scenario's pure parts: its flags and where it seats each client.
final class ClusterBenchTests: XCTestCase {
    func testClusterFlagsParseWithTheirDefaults() throws {
        let defaults = try BenchOptions.parse(["--scenario", "cluster"])
        XCTAssertEqual(defaults.scenario, .cluster)
        XCTAssertEqual(defaults.rooms, 50)
        XCTAssertEqual(defaults.windows, [1, 4, 16, 64])
        XCTAssertEqual(defaults.clientCount, 20)
        XCTAssertNil(defaults.peerPython)
        XCTAssertEqual(defaults.redisServer, "redis-server")
        let options = try BenchOptions.parse(["--scenario=cluster", "--rooms", "7", "--windows", "2,8,32",
                                              "--peer-python", "/venv/bin/python", "--redis-server=/usr/sbin/redis-server"])
        XCTAssertEqual(options.rooms, 7)
        XCTAssertEqual(options.windows, [2, 8, 32])
        XCTAssertEqual(options.peerPython, "/venv/bin/python")
        XCTAssertEqual(options.redisServer, "/usr/sbin/redis-server")
    }

    func testWindowListsWithEmptyOrOutOfRangeItemsAreRefused() {
        for bad in ["", "1,,4", "0", "4,x", "1,70000", " 4"] {
            XCTAssertThrowsError(try BenchOptions.parse(["--windows", bad]), "'\(bad)'")
        }
        XCTAssertThrowsError(try BenchOptions.parse(["--rooms", "0"]))
    }

    func testRotatingSendersPutReadersOnEveryOtherNodeOnly() {
        let seats = ClusterLayout.seats(rooms: 4, nodes: 3, sendersPerRoom: 2, readersPerNode: 1, senderNode: .rotating)
        XCTAssertEqual(seats.count, 4 * (2 + 2))
        for room in 0..<4 {
            let roomSeats = seats.filter { $0.room == room }
            XCTAssertEqual(roomSeats.filter { $0.role == .sender }.map(\.node), [room % 3, room % 3])
            XCTAssertEqual(roomSeats.filter { $0.role == .reader }.map(\.node), [0, 1, 2].filter { $0 != room % 3 })
        }
        XCTAssertEqual(ClusterLayout.readersPerRoom(seats, rooms: 4), [2, 2, 2, 2])
    }

    func testAFixedSenderNodeAndASingleNodeLayout() {
        let latency = ClusterLayout.seats(rooms: 1, nodes: 3, sendersPerRoom: 4, readersPerNode: 4, senderNode: .fixed(0))
        XCTAssertEqual(latency.filter { $0.role == .sender }.map(\.node), [0, 0, 0, 0])
        XCTAssertEqual(latency.filter { $0.role == .reader }.map(\.node), [1, 1, 1, 1, 2, 2, 2, 2])
        // One node: the readers share it (the single-node reference).
        let single = ClusterLayout.seats(rooms: 2, nodes: 1, sendersPerRoom: 1, readersPerNode: 2, senderNode: .rotating)
        XCTAssertEqual(single, [
            ClusterSeat(node: 0, room: 0, role: .sender), ClusterSeat(node: 0, room: 0, role: .reader),
            ClusterSeat(node: 0, room: 0, role: .reader), ClusterSeat(node: 0, room: 1, role: .sender),
            ClusterSeat(node: 0, room: 1, role: .reader), ClusterSeat(node: 0, room: 1, role: .reader),
        ])
        XCTAssertEqual(ClusterLayout.seats(rooms: 0, nodes: 3, sendersPerRoom: 1, readersPerNode: 1, senderNode: .rotating), [])
    }

    func testTheBestStepIsTheOneThatDeliveredMost() {
        let steps: [JSONObject] = [
            .init([("window", 1), ("delivered_per_s", 100)]),
            .init([("window", 16), ("delivered_per_s", 900)]),
            .init([("window", 64), ("delivered_per_s", 850)]),
        ]
        let best = ClusterScenario.best(steps)
        XCTAssertEqual(best.window, 16)
        XCTAssertEqual(best.perSecond, 900)
    }
}
