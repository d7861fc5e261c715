import Foundation
import XCTest

/// Stored notifications, filtered subscriptions and read state (SPEC §8).
final class NotificationEndToEndTests: XCTestCase {
    var server: ServerProcess!

    override func setUpWithError() throws {
        server = try ServerProcess()
    }

    override func tearDown() {
        server.stop()
    }

    @discardableResult
    func notify(_ user: String, title: String, category: String = "workspace", priority: String = "normal",
                module: String = "tables") throws -> String {
        let response = try REST.call(server.port, "POST", "/api/v1/ws/broadcast/notification?event_type=notification_created",
                                     body: ["user_id": user, "title": title, "message": "m-\(title)", "category": category,
                                            "priority": priority, "module_name": module])
        XCTAssertEqual(response.status, 201)
        return try XCTUnwrap(response.json?["notification_id"] as? String)
    }

    func connect(_ user: String) throws -> TestClient {
        let client = try TestClient(port: server.port, token: Tokens.make(user: user))
        XCTAssertNotNil(client.expect("connection_established"))
        return client
    }

    func testFiltersDecideWhichConnectionsHearANotification() throws {
        let all = try connect("nina")
        all.send(["type": "subscribe_notifications"])
        let allAck = try XCTUnwrap(all.expect("notifications_subscribed"))
        XCTAssertEqual((allAck["filters"] as? [String: Any])?["categories"] as? [String], [])
        let picky = try connect("nina")
        picky.send(["type": "subscribe_notifications", "categories": ["system"], "priorities": ["high", "critical"],
                    "request_id": "sub"])
        let pickyAck = try XCTUnwrap(picky.expect("notifications_subscribed"))
        XCTAssertEqual(pickyAck["request_id"] as? String, "sub")
        XCTAssertEqual((pickyAck["filters"] as? [String: Any])?["priorities"] as? [String], ["high", "critical"])
        let unsubscribed = try connect("nina")
        let other = try connect("otto")
        other.send(["type": "subscribe_notifications"])
        XCTAssertNotNil(other.expect("notifications_subscribed"))

        let delivered = try REST.call(server.port, "POST", "/api/v1/ws/broadcast/notification",
                                      body: ["user_id": "nina", "title": "Deploy", "message": "done", "category": "system",
                                             "priority": "high", "module_name": "ops"])
        XCTAssertEqual(delivered.json?["delivered"] as? Int, 2)
        for client in [all, picky] {
            let event = try XCTUnwrap(client.expect("notification_event"))
            XCTAssertEqual(event["event_type"] as? String, "notification_created")
            XCTAssertEqual(event["user_id"] as? String, "nina")
            let notification = try XCTUnwrap(event["notification"] as? [String: Any])
            XCTAssertEqual(notification["title"] as? String, "Deploy")
            XCTAssertEqual(notification["priority"] as? String, "high")
            XCTAssertEqual(notification["module_name"] as? String, "ops")
            XCTAssertNotNil(notification["id"] as? String)
        }
        XCTAssertTrue(unsubscribed.receivesNo("notification_event", within: 0.3))
        XCTAssertTrue(other.receivesNo("notification_event", within: 0.1), "only the named user hears it")

        try notify("nina", title: "Low", category: "system", priority: "low")
        XCTAssertEqual(all.expect("notification_event").flatMap { ($0["notification"] as? [String: Any])?["title"] as? String }, "Low")
        XCTAssertTrue(picky.receivesNo("notification_event", within: 0.3), "low priority doesn't match the filter")
    }

    func testUnreadBacklogArrivesOnSubscribeAfterBeingOffline() throws {
        try notify("olga", title: "one")
        try notify("olga", title: "two", category: "billing")
        try notify("olga", title: "three")
        let client = try connect("olga")
        client.send(["type": "subscribe_notifications", "categories": ["workspace"]])
        let ack = try XCTUnwrap(client.expect("notifications_subscribed"))
        let unread = try XCTUnwrap(ack["unread"] as? [[String: Any]])
        XCTAssertEqual(Set(unread.compactMap { $0["title"] as? String }), ["one", "three"])
    }

    func testReadStateIsSharedAcrossConnectionsAndSurvivesRestart() throws {
        let id = try notify("pia", title: "read me")
        try notify("pia", title: "keep me")
        let tab1 = try connect("pia")
        let tab2 = try connect("pia")
        tab1.send(["type": "notification_read", "notification_id": id, "request_id": "r1"])
        let ack = try XCTUnwrap(tab1.expect("notification_event"))
        XCTAssertEqual(ack["event_type"] as? String, "notification_read")
        XCTAssertEqual(ack["request_id"] as? String, "r1")
        let echoed = try XCTUnwrap(tab2.expect("notification_event"))
        XCTAssertEqual(echoed["event_type"] as? String, "notification_read")
        XCTAssertEqual(echoed["notification_id"] as? String, id)
        tab1.send(["type": "notification_read", "notification_id": "ntf_nope"])
        XCTAssertEqual(tab1.expect("error")?["code"] as? String, "NOT_FOUND")
        tab1.send(["type": "notification_read"])
        XCTAssertEqual(tab1.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        // Another user can't mark it.
        let intruder = try connect("quinn")
        intruder.send(["type": "notification_read", "notification_id": id])
        XCTAssertEqual(intruder.expect("error")?["code"] as? String, "NOT_FOUND")

        let directory = server.dataDirectory
        XCTAssertEqual(server.stop(), 0)
        server = try ServerProcess(dataDirectory: directory)
        let pia = Tokens.make(user: "pia")
        let unread = try REST.call(server.port, "GET", "/api/v1/notifications?unread=true", token: pia)
        XCTAssertEqual(unread.status, 200)
        XCTAssertEqual((unread.json?["notifications"] as? [[String: Any]])?.compactMap { $0["title"] as? String }, ["keep me"])
        let everything = try REST.call(server.port, "GET", "/api/v1/notifications", token: pia)
        let listed = try XCTUnwrap(everything.json?["notifications"] as? [[String: Any]])
        XCTAssertEqual(listed.count, 2)
        XCTAssertNotNil(listed.first { $0["id"] as? String == id }?["read_at"] as? String)
    }

    func testBadFiltersAndBadNotificationsAreRefused() throws {
        let client = try connect("rita")
        client.send(["type": "subscribe_notifications", "priorities": ["urgent"]])
        XCTAssertTrue((client.expect("error")?["error"] as? String ?? "").contains("priorities"))
        client.send(["type": "subscribe_notifications", "categories": "system"])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        client.send(["type": "subscribe_notifications", "modules": [1, 2]])
        XCTAssertEqual(client.expect("error")?["code"] as? String, "INVALID_MESSAGE")
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/broadcast/notification", body: ["title": "x"]).status, 400)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/broadcast/notification",
                                     body: ["user_id": "u", "title": "x", "message": "y", "priority": "urgent"]).status, 400)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/broadcast/notification",
                                     rawBody: Array("{nope".utf8)).status, 400)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/broadcast/notification", token: Tokens.make(user: "rita"),
                                     body: ["user_id": "u", "title": "x", "message": "y"]).status, 403)
        XCTAssertEqual(try REST.call(server.port, "POST", "/api/v1/ws/broadcast/notification", token: nil,
                                     body: ["user_id": "u", "title": "x", "message": "y"]).status, 401)
        XCTAssertEqual(try REST.call(server.port, "GET", "/api/v1/notifications?unread=maybe", token: Tokens.make(user: "rita")).status, 400)
    }
}
