import GridlineCollab
import GridlineHTTP
import GridlineJSON
import GridlineStore

/// Rooms and sheets through REST (SPEC §9). The loop's directory (`Server.directory`) changes
/// only after the database has committed, so a room is never joinable before it exists on disk.
/// Loop thread only.
final class RoomAdminService {
    /// The server outlives its services.
    unowned(unsafe) let server: Server

    init(server: Server) {
        self.server = server
    }

    func roomJSON(_ info: RoomInfo) -> JSONValue {
        [
            "room_id": .string(info.id), "name": .string(info.name),
            "created_at": .string(Timestamp.iso8601(milliseconds: info.createdAt)),
            "sheets": .array(info.sheetIDs.map { id in
                ["sheet_id": .string(id), "name": .string(server.directory.sheets[id]?.name ?? id)]
            }),
        ]
    }

    func listRooms(respond: (HTTPResponse) -> Void) {
        let rooms = server.directory.rooms.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        respond(.json(status: 200, ["rooms": .array(rooms.map(roomJSON))]))
    }

    func getRoom(_ request: RESTRequest, respond: (HTTPResponse) -> Void) {
        let roomID = request.params["room_id"] ?? ""
        guard let info = server.directory.rooms[roomID] else {
            return respond(.jsonError(status: 404, code: "NOT_FOUND", text: "room '\(roomID)' does not exist"))
        }
        respond(.json(status: 200, roomJSON(info)))
    }

    /// Reads `{<idField>?, name}`; nil after answering 400.
    private func idAndName(_ request: RESTRequest, idField: String, prefix: String,
                           respond: (HTTPResponse) -> Void) -> (id: String, name: String)? {
        guard let body = request.jsonObjectBody(respond: respond) else { return nil }
        var id = RandomID.make(prefix: prefix)
        if let raw = body[idField], !raw.isNull {
            guard let text = raw.stringValue, ChosenID.isValid(text) else {
                respond(.jsonError(status: 400, code: "INVALID_MESSAGE",
                                   text: "field '\(idField)' must be 1–64 characters of A–Z, a–z, 0–9, '-', '_' or '.'"))
                return nil
            }
            id = text
        }
        guard let name = body["name"]?.stringValue, !name.isEmpty, name.utf8.count <= 200 else {
            respond(.jsonError(status: 400, code: "INVALID_MESSAGE", text: "field 'name' must be a non-empty string of at most 200 bytes"))
            return nil
        }
        return (id, name)
    }

    func createRoom(_ request: RESTRequest, respond: @escaping (HTTPResponse) -> Void) {
        guard let (roomID, name) = idAndName(request, idField: "room_id", prefix: "room_", respond: respond) else { return }
        let now = Timestamp.nowMilliseconds()
        server.store.writer.submit({ db in try RoomStore.createRoom(db, id: roomID, name: name, now: now) },
                                   completion: server.onLoop { [unowned self] (result: Result<RoomRecord, Error>) in
            switch result {
            case .success(let record):
                let info = RoomInfo(id: record.id, name: record.name, createdAt: record.createdAt, sheetIDs: [])
                self.server.directory.add(info)
                self.server.cluster?.directoryChanged()
                self.server.log(.info, "room_created", room: record.id)
                respond(.json(status: 201, self.roomJSON(info)))
            case .failure(let error):
                respond(self.server.restStoreFailure(error))
            }
        })
    }

    func deleteRoom(_ request: RESTRequest, respond: @escaping (HTTPResponse) -> Void) {
        let roomID = request.params["room_id"] ?? ""
        guard server.directory.rooms[roomID] != nil else {
            return respond(.jsonError(status: 404, code: "NOT_FOUND", text: "room '\(roomID)' does not exist"))
        }
        server.store.writer.submit({ db in try RoomStore.deleteRoom(db, id: roomID) },
                                   completion: server.onLoop { [unowned self] (result: Result<Bool, Error>) in
            switch result {
            case .success(let existed):
                self.server.directory.removeRoom(roomID)
                let notified = self.server.rooms.close(roomID)
                self.server.cluster?.directoryChanged()
                self.server.log(.info, "room_deleted", room: roomID, [("members_notified", JSONValue(notified))])
                if existed {
                    respond(.json(status: 200, ["room_id": .string(roomID), "deleted": true, "members_notified": JSONValue(notified)]))
                } else {
                    respond(.jsonError(status: 404, code: "NOT_FOUND", text: "room '\(roomID)' does not exist"))
                }
            case .failure(let error):
                respond(self.server.restStoreFailure(error))
            }
        })
    }

    func createSheet(_ request: RESTRequest, respond: @escaping (HTTPResponse) -> Void) {
        let roomID = request.params["room_id"] ?? ""
        guard server.directory.rooms[roomID] != nil else {
            return respond(.jsonError(status: 404, code: "NOT_FOUND", text: "room '\(roomID)' does not exist"))
        }
        guard let (sheetID, name) = idAndName(request, idField: "sheet_id", prefix: "sheet_", respond: respond) else { return }
        let now = Timestamp.nowMilliseconds()
        server.store.writer.submit({ db in try RoomStore.createSheet(db, id: sheetID, roomId: roomID, name: name, now: now) },
                                   completion: server.onLoop { [unowned self] (result: Result<SheetRecord, Error>) in
            switch result {
            case .success(let sheet):
                self.server.directory.add(SheetInfo(id: sheet.id, roomID: sheet.roomId, name: sheet.name))
                self.server.cluster?.directoryChanged()
                respond(.json(status: 201, [
                    "sheet_id": .string(sheet.id), "room_id": .string(sheet.roomId), "name": .string(sheet.name),
                    "seq": JSONValue(sheet.seq), "cells": [],
                ]))
            case .failure(let error):
                respond(self.server.restStoreFailure(error))
            }
        })
    }

    /// `GET /api/v1/sheets/{id}` for any user allowed in the sheet's room.
    func getSheet(_ request: RESTRequest, caller: User, respond: @escaping (HTTPResponse) -> Void) {
        let sheetID = request.params["sheet_id"] ?? ""
        guard let sheet = server.directory.sheets[sheetID] else {
            return respond(.jsonError(status: 404, code: "NOT_FOUND", text: "sheet '\(sheetID)' does not exist"))
        }
        guard caller.mayJoin(room: sheet.roomID) else {
            return respond(.jsonError(status: 403, code: "PERMISSION_DENIED", text: "your token does not allow room '\(sheet.roomID)'"))
        }
        server.store.reader.submit({ db in try CellStore.snapshot(db, sheetId: sheetID) },
                                   completion: server.onLoop { [unowned self] (result: Result<SheetSnapshot, Error>) in
            switch result {
            case .success(let snapshot):
                respond(.json(status: 200, [
                    "sheet_id": .string(snapshot.sheetId), "room_id": .string(snapshot.roomId), "name": .string(snapshot.name),
                    "seq": JSONValue(snapshot.seq),
                    "cells": .array(snapshot.cells.map { cell in
                        var object = CellService.cellJSON(cell).objectValue ?? JSONObject()
                        object.members.insert(("cell_id", .string(cell.cellId)), at: 0)
                        return .object(object)
                    }),
                ]))
            case .failure(let error):
                respond(self.server.restStoreFailure(error))
            }
        })
    }
}
