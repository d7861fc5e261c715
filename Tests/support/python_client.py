"""An independent WebSocket client (Python `websockets`) against a running Gridline.

usage: python_client.py PORT TOKEN
Connects, checks connection_established, does an application ping and a protocol ping,
then closes with 1000 and checks the server echoed it. Prints OK on success.
"""
import asyncio
import json
import sys

import websockets


async def main(port: int, token: str) -> None:
    url = f"ws://127.0.0.1:{port}/api/v1/ws?token={token}"
    async with websockets.connect(url, open_timeout=5, close_timeout=5) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert first["type"] == "connection_established", first
        await ws.send(json.dumps({"type": "ping", "request_id": "py-1"}))
        while True:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if reply["type"] == "pong":
                assert reply["request_id"] == "py-1", reply
                break
        latency = await asyncio.wait_for(await ws.ping(b"py-ping"), 5)
        assert latency >= 0
        await ws.close(code=1000, reason="done")
    assert ws.close_code == 1000, ws.close_code
    print("OK")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
