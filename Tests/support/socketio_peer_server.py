"""A python-socketio + aiohttp server that behaves like Gridline for `gridline bench
--scenario socketio --parts sio`: the peer the Socket.IO fan-out is compared against.

usage: socketio_peer_server.py PORT   (listens on 127.0.0.1 only; run it from .build/test-venv)

What it does, and only that: accepts any CONNECT (no tokens: it does less work than Gridline,
which verifies a JWT), sends `connection_established`, answers `join_room` (acknowledged) with
`room_state` after entering the room, and relays `cursor_move` to the rest of the room as
`cursor_moved` with the sender's `meta` unchanged — the message Gridline sends. The bench stops
it by PID (SIGTERM).
"""
import sys
import time

import socketio
from aiohttp import web


def main(port, client_manager=None):
    """Serves on 127.0.0.1:`port` until stopped; `client_manager` (e.g. AsyncRedisManager) lets
    rooms span servers, as bench/socketio_redis_peer.py does."""
    # Default JSON (the stdlib's), no logging: the fairest configuration of the stock server.
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=client_manager, cors_allowed_origins=None,
                               logger=False, engineio_logger=False, max_http_buffer_size=1_048_576)
    app = web.Application()
    sio.attach(app)

    def now_iso():
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"

    @sio.event
    async def connect(sid, environ, auth):
        await sio.emit("connection_established", {"type": "connection_established", "connection_id": sid,
                                                  "timestamp": now_iso()}, to=sid)

    @sio.on("join_room")
    async def join_room(sid, data):
        room = data.get("room_id") if isinstance(data, dict) else None
        if not isinstance(room, str) or not room:
            return {"type": "error", "code": "INVALID_MESSAGE", "error": "room_id is required"}
        await sio.enter_room(sid, room)
        return {"type": "room_state", "room_id": room, "timestamp": now_iso()}

    @sio.on("cursor_move")
    async def cursor_move(sid, data):
        room = data.get("room") if isinstance(data, dict) else None
        if room not in sio.rooms(sid):
            return
        message = {"type": "cursor_moved", "room": room, "user_id": sid, "username": sid,
                   "cursor": {"x": data.get("x"), "y": data.get("y"), "cell": data.get("cell")}}
        if "meta" in data:
            message["meta"] = data["meta"]
        message["timestamp"] = now_iso()
        await sio.emit("cursor_moved", message, room=room, skip_sid=sid)

    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
