import GridlineCluster
import XCTest

final class ClusterKeysTests: XCTestCase {
    func testKeysAndChannelsAreSpelledAsInTheDesign() {
        XCTAssertEqual(ClusterKeys.nodes, "gl:nodes")
        XCTAssertEqual(ClusterKeys.node("n1"), "gl:node:n1")
        XCTAssertEqual(ClusterKeys.nodeEntries("n1"), "gl:node:n1:entries")
        XCTAssertEqual(ClusterKeys.nodeConnections("n1"), "gl:node:n1:conns")
        XCTAssertEqual(ClusterKeys.lease(shard: 7), "gl:lease:7")
        XCTAssertEqual(ClusterKeys.fence(shard: 63), "gl:fence:63")
        XCTAssertEqual(ClusterKeys.roomUsers("r"), "gl:room:r:users")
        XCTAssertEqual(ClusterKeys.roomInfo("r"), "gl:room:r:info")
        XCTAssertEqual(ClusterKeys.userConnections("u"), "gl:user:u:conns")
        XCTAssertEqual(ClusterKeys.inbox("n1"), "gl:inbox:n1")
        XCTAssertEqual(ClusterKeys.roomChannel("r"), "gl:room:{r}")
        XCTAssertEqual(ClusterKeys.clusterChannel, "gl:cluster")
    }

    func testEntriesJoinTheirPartsAsTheReaperSplitsThem() {
        XCTAssertEqual(ClusterKeys.presenceEntry(room: "r", user: "u", connection: "c"), "r\nu\nc")
        XCTAssertEqual(ClusterKeys.connectionMember(node: "host:8080", connection: "42"), "host:8080/42")
        XCTAssertEqual(ClusterKeys.connectionEntry(user: "u", member: "host:8080/42"), "u\nhost:8080/42")
        XCTAssertEqual(ClusterKeys.node(ofMember: "host:8080/42/x"), "host:8080")
    }
}

extension ClusterKeysTests {
    func testARoomChannelNameGivesItsRoomBack() {
        XCTAssertEqual(ClusterKeys.room(ofChannel: ClusterKeys.roomChannel("demo")), "demo")
        XCTAssertEqual(ClusterKeys.room(ofChannel: ClusterKeys.roomChannel("a{b}")), "a{b}")
        XCTAssertNil(ClusterKeys.room(ofChannel: ClusterKeys.inbox("n1")))
        XCTAssertNil(ClusterKeys.room(ofChannel: ClusterKeys.clusterChannel))
    }
}
