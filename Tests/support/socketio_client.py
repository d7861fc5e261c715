"""python-socketio's AsyncClient, an independent Socket.IO client, against a running Gridline.

usage: socketio_client.py MODE PORT TOKEN_ALICE TOKEN_BOB TOKEN_VIEWER
MODE is polling, websocket or upgrade (polling first, then upgraded to WebSocket).
Runs the flows of SPEC §12 and asserts on the values that come back; prints OK at the end.
"""
import asyncio
import json
import sys

import socketio
import websockets

TRANSPORTS = {"polling": ["polling"], "websocket": ["websocket"], "upgrade": ["polling", "websocket"]}
SHEET = "demo-sheet"


class Client:
    """One AsyncClient that records every event it hears, by type."""

    def __init__(self, name, expect_timeout=5.0, call_timeout=5):
        self.name = name
        self.expect_timeout = expect_timeout
        self.call_timeout = call_timeout
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events = []
        self.arrived = asyncio.Event()

        @self.sio.on("*")
        async def any_event(event, *args):
            self.events.append((event, args[0] if args else None))
            self.arrived.set()

    async def connect(self, port, token, mode):
        await self.sio.connect(f"http://127.0.0.1:{port}", auth={"token": token}, transports=TRANSPORTS[mode],
                               wait_timeout=5)

    async def expect(self, event_type, where=lambda m: True, timeout=None):
        """The first recorded event of that type matching `where`, waiting for it if needed."""
        timeout = self.expect_timeout if timeout is None else timeout
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for index, (event, message) in enumerate(self.events):
                if event == event_type and where(message):
                    del self.events[index]
                    return message
            remaining = deadline - asyncio.get_running_loop().time()
            assert remaining > 0, f"{self.name}: no {event_type} within {timeout}s; heard {[e for e, _ in self.events]}"
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def call(self, event, data):
        return await self.sio.call(event, data, timeout=self.call_timeout)


async def wait_for_upgrade(client):
    for _ in range(100):
        if client.sio.transport() == "websocket":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{client.name} was not upgraded to websocket: {client.sio.transport()}")


async def run(mode, port, alice_token, bob_token, viewer_token):
    cell = {"polling": "P1", "websocket": "P2", "upgrade": "P3"}[mode]
    alice, bob = Client("alice"), Client("bob")
    await alice.connect(port, alice_token, mode)
    await bob.connect(port, bob_token, mode)
    if mode == "upgrade":
        await wait_for_upgrade(alice)
    else:
        assert alice.sio.transport() == TRANSPORTS[mode][0], alice.sio.transport()

    # The first event of every session, as on the raw WebSocket.
    established = await alice.expect("connection_established")
    assert established["user"]["user_id"] == "alice", established

    # join_room with an ack: room_state comes as the ack's argument, not as an event.
    state = await alice.call("join_room", {"room_id": "demo"})
    assert state["type"] == "room_state" and state["room_id"] == "demo", state
    assert "demo-sheet" in state["active_sheets"], state
    state = await bob.call("join_room", {"room_id": "demo", "request_id": "bob-join"})
    assert state["type"] == "room_state" and state["request_id"] == "bob-join", state
    assert {u["user_id"] for u in state["users"]} >= {"alice", "bob"}, state
    joined = await alice.expect("user_joined", lambda m: m["user"]["user_id"] == "bob")
    assert joined["room_id"] == "demo", joined
    assert not [e for e, _ in alice.events if e == "room_state"], "an acked reply must not also arrive as an event"

    # An edit with an ack; the other client hears it as an event with the same seq.
    applied = await alice.call("cell_update", {"sheet_id": SHEET, "cell_id": cell, "value": "from alice", "version": 0})
    assert applied["type"] == "cell_updated", applied
    assert applied["value"] == "from alice" and applied["version"] == 1 and applied["user_id"] == "alice", applied
    heard = await bob.expect("cell_updated", lambda m: m["cell_id"] == cell)
    assert heard["seq"] == applied["seq"] and heard["version"] == 1 and heard["value"] == "from alice", heard

    # A stale version: the ack carries the conflict and the current cell; nothing is applied.
    conflict = await bob.call("cell_update", {"sheet_id": SHEET, "cell_id": cell, "value": "stale", "version": 0})
    assert conflict["type"] == "error" and conflict["code"] == "VERSION_CONFLICT", conflict
    assert conflict["current"]["version"] == 1 and conflict["current"]["value"] == "from alice", conflict

    # An edit without an ack reaches both as events, the writer's carrying its request_id.
    await bob.sio.emit("cell_update", {"sheet_id": SHEET, "cell_id": cell, "value": 42, "version": 1,
                                       "request_id": "bob-edit"})
    mine = await bob.expect("cell_updated", lambda m: m.get("request_id") == "bob-edit")
    theirs = await alice.expect("cell_updated", lambda m: m["cell_id"] == cell and m["version"] == 2)
    assert mine["seq"] == theirs["seq"] == applied["seq"] + 1 and theirs["value"] == 42, (mine, theirs)

    # Errors for bad input come back too, and the session goes on.
    bad = await alice.call("cell_update", {"sheet_id": SHEET, "cell_id": "not a cell", "value": 1})
    assert bad["type"] == "error" and bad["code"] == "INVALID_MESSAGE", bad
    unknown = await alice.call("no_such_type", {})
    assert unknown["type"] == "error" and unknown["code"] == "UNKNOWN_MESSAGE_TYPE", unknown
    pong = await alice.call("ping", {})
    assert pong["type"] == "pong", pong

    # One product: a raw WebSocket client in the same room hears a Socket.IO client's edit.
    async with websockets.connect(f"ws://127.0.0.1:{port}/api/v1/ws?token={alice_token}", open_timeout=5) as raw:
        await raw.send(json.dumps({"type": "join_room", "room_id": "demo", "request_id": "raw"}))
        await alice.call("cell_update", {"sheet_id": SHEET, "cell_id": cell, "value": "seen raw"})
        while True:
            message = json.loads(await asyncio.wait_for(raw.recv(), 5))
            if message["type"] == "cell_updated" and message["cell_id"] == cell:
                assert message["value"] == "seen raw", message
                break

    # A viewer may read but not write.
    viewer = Client("viewer")
    await viewer.connect(port, viewer_token, mode)
    await viewer.call("join_room", {"room_id": "demo"})
    denied = await viewer.call("cell_update", {"sheet_id": SHEET, "cell_id": cell, "value": "no"})
    assert denied["type"] == "error" and denied["code"] == "PERMISSION_DENIED", denied
    await viewer.sio.disconnect()

    # A bad token is refused at CONNECT with AUTHENTICATION_FAILED.
    intruder = socketio.AsyncClient(reconnection=False)
    refusals = []

    @intruder.on("connect_error")
    async def refused(data):
        refusals.append(data)

    try:
        await intruder.connect(f"http://127.0.0.1:{port}", auth={"token": "not.a.token"},
                               transports=TRANSPORTS[mode], wait_timeout=5)
        raise AssertionError("a bad token was admitted")
    except socketio.exceptions.ConnectionError:
        pass
    assert refusals and refusals[0]["message"] == "AUTHENTICATION_FAILED", refusals
    assert refusals[0]["data"]["code"] == "AUTHENTICATION_FAILED", refusals
    await intruder.disconnect()

    # Disconnect: the others see the user leave; back again, sync recovers what was missed.
    seq_before = theirs["seq"]
    await alice.sio.disconnect()
    left = await bob.expect("user_left", lambda m: m["user_id"] == "alice")
    assert left["room_id"] == "demo", left
    missed = await bob.call("cell_update", {"sheet_id": SHEET, "cell_id": cell, "value": "while away"})
    assert missed["type"] == "cell_updated", missed
    alice = Client("alice again")
    await alice.connect(port, alice_token, mode)
    await alice.call("join_room", {"room_id": "demo"})
    done = await alice.call("sync", {"sheet_id": SHEET, "since_seq": seq_before})
    assert done["type"] == "sync_complete" and done["seq"] >= missed["seq"], done
    replayed = await alice.expect("cell_updated", lambda m: m["seq"] == missed["seq"])
    assert replayed["value"] == "while away", replayed

    await alice.sio.disconnect()
    await bob.sio.disconnect()
    print("OK", mode)


if __name__ == "__main__":
    mode, port, alice_token, bob_token, viewer_token = sys.argv[1:6]
    asyncio.run(asyncio.wait_for(run(mode, int(port), alice_token, bob_token, viewer_token), 60))
