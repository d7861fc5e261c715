#!/usr/bin/env python3
"""One python-socketio server on aiohttp with AsyncRedisManager: the peer `gridline bench
--scenario cluster --peer-python PY` runs two of on one Redis, to compare cross-node fan-out.

usage: socketio_redis_peer.py --port PORT --redis redis://127.0.0.1:RPORT/0
(listens on 127.0.0.1 only; the bench starts it and stops it by PID with SIGTERM)

It is Tests/support/socketio_peer_server.py with rooms that span servers: accepts any
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
import os
import sys

import socketio

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import socketio_peer_server  # noqa: E402  (the same handlers, one server's worth)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    args = parser.parse_args()
    if not args.redis.startswith("redis://127.0.0.1:"):
        raise SystemExit("--redis must be a loopback redis:// URL")
    socketio_peer_server.main(args.port, client_manager=socketio.AsyncRedisManager(args.redis))


if __name__ == "__main__":
    main()
