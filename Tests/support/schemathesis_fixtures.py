"""Creates data that only the WebSocket can create, so schemathesis reaches past the 404s.

usage: schemathesis_fixtures.py PORT TOKEN
As the token's user: a completed upload `st-upload-done` (5 bytes, text/plain), a pending
upload `st-upload-pending` (16 bytes declared, for PUT), and a finished AI job `st-ai-job`
over the seeded `demo-sheet`. Prints the ids; exits non-zero if any step fails.
"""
import json
import sys
import urllib.request

from websockets.sync.client import connect


def wait_for(ws, predicate, what):
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message.get("type") == "error":
            raise SystemExit(f"{what}: {message}")
        if predicate(message):
            return message


def main(port: int, token: str) -> None:
    base = f"127.0.0.1:{port}"
    with connect(f"ws://{base}/api/v1/ws?token={token}", open_timeout=5) as ws:
        wait_for(ws, lambda m: m["type"] == "connection_established", "connect")
        for file_id, size in (("st-upload-done", 5), ("st-upload-pending", 16)):
            ws.send(json.dumps({"type": "file_upload_start", "request_id": file_id, "file_id": file_id,
                                "filename": file_id + ".txt", "file_size": size, "mime_type": "text/plain"}))
            wait_for(ws, lambda m: m["type"] == "file_upload_started", "file_upload_start")
        request = urllib.request.Request(f"http://{base}/api/v1/uploads/st-upload-done", data=b"hello", method="PUT",
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200, response.status

        ws.send(json.dumps({"type": "join_room", "room_id": "demo"}))
        wait_for(ws, lambda m: m["type"] == "room_state", "join_room")
        ws.send(json.dumps({"type": "ai_request", "request_id": "st-ai-job", "query": "summarize sales",
                            "sheet_id": "demo-sheet", "context": {"table_range": "A1:B10"}}))
        wait_for(ws, lambda m: m["type"] == "ai_event" and m.get("event_type") in ("ai_complete", "ai_error"), "ai_request")
    print("fixtures: uploads st-upload-done, st-upload-pending; AI job st-ai-job")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
