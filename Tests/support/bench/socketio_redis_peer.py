#!/usr/bin/env python3
"""One python-socketio server on aiohttp with AsyncRedisManager: the peer `gridline bench
--scenario cluster --peer-python PY` runs two of on one Redis, to compare cross-node fan-out.

usage: socketio_redis_peer.py --port PORT --redis redis://127.0.0.1:RPORT/0
(listens on 127.0.0.1 only; the bench starts it and stops it by PID with SIGTERM)

It behaves like Tests/support/socketio_peer_server.py, but rooms span servers: accepts any
CONNECT (no token check: less work than Gridline, which verifies a JWT), sends
`connection_established`, answers an acknowledged `join_room` with `room_state` after entering
the room, and relays `cursor_move` to the rest of the room as `cursor_moved` with the sender's
`meta` unchanged. `emit(..., room=...)` goes through Redis pub/sub (AsyncRedisManager), so a
reader on the other server receives it the way a Gridline reader on another node does.

The interpreter needs python-socketio, aiohttp and redis; fetched at run time, never committed:
  python3 -m venv .build/cluster-peer-venv
  .build/cluster-peer-venv/bin/pip install 'python-socketio>=5.11,<6' 'aiohttp>=3.9' 'redis>=5'
"""
import argparse
import time

import socketio
from aiohttp import web


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    args = parser.parse_args()
    if not args.redis.startswith("redis://127.0.0.1:"):
        raise SystemExit("--redis must be a loopback redis:// URL")
    manager = socketio.AsyncRedisManager(args.redis)
    # Default JSON (the stdlib's), no logging: the fairest configuration of the stock server.
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager, cors_allowed_origins=None,
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

    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
