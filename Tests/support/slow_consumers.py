"""Slow-consumer benchmark (issue: performance): 50 clients that never read sit in a busy
room; the server's memory must stay flat, they must be closed 1008 "slow consumer", and the
readers must keep receiving everything.

usage: slow_consumers.py PORT SERVER_PID TOKEN [--seconds 20] [--slow 50] [--active 10] [--rate 2000]
Prints one JSON line. Loopback only; bounded in time.
"""
import asyncio
import json
import socket
import struct
import sys
import time

import urllib.request

import websockets


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raw_client(port, token):
    """Connects, upgrades and joins `demo`, then never reads again."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall((f"GET /api/v1/ws?token={token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0], head
    payload = json.dumps({"type": "join_room", "room_id": "demo"}).encode()
    mask = b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    return s


def server_metrics(port):
    """The server's own counters: how many it closed as slow consumers, how many remain."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


async def main():
    port, pid, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
    seconds, slow_n = float(opts.get("--seconds", 20)), int(opts.get("--slow", 50))
    active_n, rate = int(opts.get("--active", 10)), float(opts.get("--rate", 2000))
    url = f"ws://127.0.0.1:{port}/api/v1/ws?token={token}"
    active = [await websockets.connect(url, max_size=None) for _ in range(active_n)]
    for ws in active:
        await ws.send(json.dumps({"type": "join_room", "room_id": "demo"}))
    slow = [raw_client(port, token) for _ in range(slow_n)]
    received = [0] * active_n
    sent = 0

    async def reader(i, ws):
        try:
            async for msg in ws:
                if '"cursor_moved"' in msg:
                    received[i] += 1
        except websockets.ConnectionClosed:
            pass

    readers = [asyncio.create_task(reader(i, ws)) for i, ws in enumerate(active)]
    rss = [rss_kb(pid)]
    start = time.monotonic()
    pad = "x" * 180  # ~300-byte frames: the non-readers' buffers fill in seconds
    rounds = 0
    while time.monotonic() - start < seconds:
        rounds += 1
        for i, ws in enumerate(active):
            await ws.send(json.dumps({"type": "cursor_move", "room": "demo", "x": sent, "y": i, "cell": "A1",
                                      "meta": {"pad": pad}}))
            sent += 1
            # Cell updates are never dropped: they are what finally pushes a non-reader past the cap.
            if rounds % 10 == 0:
                await ws.send(json.dumps({"type": "cell_update", "sheet_id": "demo-sheet", "cell_id": f"Z{i + 1}",
                                          "value": "v" * 2000}))
        await asyncio.sleep(active_n / rate)
        if int((time.monotonic() - start) * 2) > len(rss) - 1:
            rss.append(rss_kb(pid))
    await asyncio.sleep(1)
    metrics = server_metrics(port)
    for ws in active:
        await ws.close()
    for t in readers:
        t.cancel()
    expected_each = sent - sent // active_n  # everything but the reader's own messages
    print(json.dumps({
        "scenario": "slow_consumers", "seconds": seconds, "slow_clients": slow_n, "active_clients": active_n,
        "sent": sent, "delivered_min": min(received), "delivered_expected_each": expected_each,
        "closed_slow_consumer": int(metrics.get("gridline_slow_consumers_total", 0)),
        "cursor_frames_dropped": int(metrics.get("gridline_frames_dropped_total", 0)),
        "websockets_open_at_end": int(metrics.get("gridline_websocket_connections", 0)),
        "rss_kb_first": rss[0], "rss_kb_max": max(rss), "rss_kb_last": rss[-1], "rss_kb_samples": rss,
    }))


asyncio.run(main())
