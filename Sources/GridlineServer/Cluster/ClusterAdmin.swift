import GridlineCluster
import GridlineCollab
import GridlineJSON
import GridlineStore
import GridlineWebSocket

/// REST on any node acts on the whole cluster (SPEC §15): what each node answers for its own
/// connections, and how the node that got the request adds the answers up.
extension ClusterService {
    func registerCalls() {
        calls.on("room_broadcast") { [unowned self] envelope in
            guard let roomID = envelope.string("room"), let type = envelope.string("type"),
                  let room = self.server.rooms[roomID] else { return JSONObject([("delivered", 0)]) }
            let frame = OutgoingMessage(type: type, json: envelope.body)
            return JSONObject([("delivered", JSONValue(self.server.rooms.sendToMembers(frame, of: room)))])
        }
        calls.on("notify_user") { [unowned self] envelope in
            guard let userID = envelope.string("user"), let type = envelope.string("type") else { return JSONObject([("delivered", 0)]) }
            let frame = OutgoingMessage(type: type, json: envelope.body)
            return JSONObject([("delivered", JSONValue(self.server.sessions.send(frame, toUser: userID)))])
        }
        calls.on("notification") { [unowned self] envelope in
            guard let userID = envelope.string("user"), let category = envelope.string("category"),
                  let priority = envelope.string("priority") else { return JSONObject([("delivered", 0)]) }
            let frame = OutgoingMessage(type: "notification_event", json: envelope.body)
            let delivered = self.server.notifications.deliver(frame, userID: userID, category: category,
                                                              module: envelope.string("module"), priority: priority)
            return JSONObject([("delivered", JSONValue(delivered))])
        }
        calls.on("disconnect") { [unowned self] envelope in
            guard let id = envelope.string("connection").flatMap(ConnectionIDs.parse),
                  let session = self.server.sessions[id] else { return JSONObject([("closed", false)]) }
            session.close(code: CloseCode.normal, reason: "disconnected by admin")
            return JSONObject([("closed", true)])
        }
        calls.on("stats") { [unowned self] _ in
            var object = self.server.admin.wsStats()
            object.members.append(("rooms", self.server.admin.wsRooms()))
            return object
        }
        calls.on("rate_refused") { [unowned self] envelope in
            if let user = envelope.string("user"), let seconds = envelope["seconds"]?.doubleValue {
                self.users.refuse(user, forSeconds: min(seconds, 3600))
            }
            return JSONObject()
        }
        calls.on("directory") { [unowned self] _ in
            self.server.reloadDirectory()
            return JSONObject()
        }
    }

    /// A room or sheet was created or deleted here: every other node reads its directory again.
    func directoryChanged() {
        calls.call("directory") { _ in }
    }

}

extension Server {
    /// `local` deliveries on this node, and in a cluster every other node's `delivered`
    /// answer to the call `op` added to them (REST that reaches connections anywhere).
    func deliveredEverywhere(_ local: Int, call op: String, _ fields: [(String, JSONValue)], body: [UInt8],
                             completion: @escaping (Int) -> Void) {
        guard let cluster else { return completion(local) }
        cluster.calls.call(op, fields, body: body) { answers in
            completion(answers.reduce(local) { $0 + Int($1["delivered"]?.int64Value ?? 0) })
        }
    }
}
