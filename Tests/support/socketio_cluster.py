"""python-socketio's AsyncClient on two nodes of a Gridline cluster (SPEC §15).

usage: socketio_cluster.py MODE LISTEN_PORT WRITE_PORT TOKEN_LISTENER TOKEN_WRITER
MODE is polling or websocket. The listener joins the demo room on one node, the writer on
another; the writer's acked edits and the listener's presence must cross the nodes. Prints OK.
"""
import asyncio
import sys

from socketio_client import SHEET, Client  # the recording client, next to this file


async def run(mode, listen_port, write_port, listener_token, writer_token):
    cell = {"polling": "S1", "websocket": "S2"}[mode]
    # Across nodes an answer may wait for a takeover: longer limits than on one node.
    listener = Client("listener", expect_timeout=10.0, call_timeout=15)
    writer = Client("writer", expect_timeout=10.0, call_timeout=15)
    await listener.connect(listen_port, listener_token, mode)
    await writer.connect(write_port, writer_token, mode)
    assert listener.sio.transport() == mode, listener.sio.transport()
    await listener.expect("connection_established")
    await writer.expect("connection_established")

    state = await listener.call("join_room", {"room_id": "demo"})
    assert state["type"] == "room_state", state
    state = await writer.call("join_room", {"room_id": "demo"})
    assert state["type"] == "room_state", state
    names = sorted(user["user_id"] for user in state["users"])
    assert names == ["sio-listener", "sio-writer"], f"one room across nodes: {names}"
    joined = await listener.expect("user_joined", lambda m: m["user"]["user_id"] == "sio-writer")
    assert joined["total_users"] == 2, joined

    for n in range(1, 6):
        applied = await writer.call("cell_update", {"sheet_id": SHEET, "cell_id": cell, "value": f"{mode}-{n}",
                                                    "version": n - 1})
        assert applied["type"] == "cell_updated" and applied["version"] == n, applied
        heard = await listener.expect("cell_updated", lambda m: m["cell_id"] == cell and m["version"] == n)
        assert heard["value"] == f"{mode}-{n}" and heard["seq"] == applied["seq"], (heard, applied)
        assert heard["user_id"] == "sio-writer", heard

    # A conflict decided on the writer's node about the listener's stale version.
    conflict = await listener.call("cell_update", {"sheet_id": SHEET, "cell_id": cell, "value": "stale", "version": 0})
    assert conflict["type"] == "error" and conflict["code"] == "VERSION_CONFLICT", conflict
    assert conflict["current"]["version"] == 5, conflict

    await writer.sio.disconnect()
    left = await listener.expect("user_left", lambda m: m["user_id"] == "sio-writer")
    assert left["total_users"] == 1, left
    await listener.sio.disconnect()
    print(f"OK {mode}")


if __name__ == "__main__":
    mode, listen_port, write_port, listener_token, writer_token = sys.argv[1:6]
    asyncio.run(asyncio.wait_for(run(mode, int(listen_port), int(write_port), listener_token, writer_token), 60))
