"""Drives the official Socket.IO JavaScript client in headless Chromium against a running Gridline.

usage: socketio_browser.py CACHE_FILE

Speaks JSON lines. On stdout it first says either
    {"event": "skip", "reason": ...}        (no client script, no browser: the test skips)
or  {"event": "ready", "allowed_origin": ..., "denied_origin": ..., "client_banner": ...}
then answers each command read from stdin with {"event": "result", "result": {...}} or
{"event": "error", "message": ...}. Commands: {"cmd": "basic" | "recovery", "mode": "polling" |
"websocket" | "default", "server": URL, "room": ..., "sheet": ..., "users": {"a", "b"},
"tokens": {"a", "b"}}, and {"cmd": "quit"} (or end of input).

socket.io-client 4.8.1's `socket.io.min.js` is not in the repository: it is taken from the
nicegui wheel on PyPI at test time and cached in CACHE_FILE. The test page is served by two tiny
HTTP servers on other loopback ports: one origin the server allows, one it does not.
Only 127.0.0.1 is contacted, apart from the one-time wheel download.
"""
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile

NICEGUI_VERSION = "3.0.0"  # the first nicegui whose wheel carries socket.io-client 4.8.1
CLIENT_PATH_IN_WHEEL = "nicegui/static/socket.io.min.js"
CLIENT_BANNER = b"Socket.IO v4.8.1"
PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "socketio_browser.html")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def say(event: str, **fields) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def client_script(cache_file: str) -> bytes:
    """The cached client, or one fetched from the wheel now; raises with a readable reason."""
    if os.path.exists(cache_file):
        with open(cache_file, "rb") as cached:
            script = cached.read()
        if CLIENT_BANNER in script[:200]:
            return script
    with tempfile.TemporaryDirectory() as directory:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
               "--disable-pip-version-check", "--retries", "1", "--timeout", "20",
               f"nicegui=={NICEGUI_VERSION}", "-d", directory]
        done = subprocess.run(pip, capture_output=True, text=True, timeout=120)
        wheels = [name for name in os.listdir(directory) if name.endswith(".whl")]
        if done.returncode != 0 or not wheels:
            raise RuntimeError(f"pip download nicegui=={NICEGUI_VERSION} failed (no network?): "
                               f"{(done.stderr or done.stdout).strip()[-300:]}")
        with zipfile.ZipFile(os.path.join(directory, wheels[0])) as wheel:
            script = wheel.read(CLIENT_PATH_IN_WHEEL)
    if CLIENT_BANNER not in script[:200]:
        raise RuntimeError(f"{CLIENT_PATH_IN_WHEEL} in nicegui {NICEGUI_VERSION} is not socket.io-client 4.8.1")
    os.makedirs(os.path.dirname(os.path.abspath(cache_file)), exist_ok=True)
    with open(cache_file + ".tmp", "wb") as out:
        out.write(script)
    os.replace(cache_file + ".tmp", cache_file)
    return script


def page_server(files: dict) -> http.server.ThreadingHTTPServer:
    """Serves `files` (path -> (content type, bytes)) on a free loopback port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            found = files.get(self.path.split("?")[0])
            if found is None:
                self.send_error(404)
                return
            content_type, body = found
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--no-first-run", "--no-default-browser-check", "--no-proxy-server",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--disable-default-apps",
                 # Pages in background tabs must keep their timers running at full speed.
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"):
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    browser.set_script_timeout(30)
    browser.set_page_load_timeout(15)
    return browser


class Pages:
    """Tabs of the one shared browser; each holds one Socket.IO client (`H` in the page)."""

    def __init__(self, browser):
        self.browser = browser
        self.home = browser.current_window_handle
        self.opened = []

    def open(self, origin: str) -> str:
        self.browser.switch_to.new_window("tab")
        self.browser.get(origin + "/page.html")
        handle = self.browser.current_window_handle
        self.opened.append(handle)
        return handle

    def call(self, handle: str, method: str, *args):
        if self.browser.current_window_handle != handle:
            self.browser.switch_to.window(handle)
        return self.browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "const args = Array.prototype.slice.call(arguments, 1, arguments.length - 1);"
            "Promise.resolve(H[arguments[0]](...args)).then(done, e => done({ok: false, message: String(e)}));",
            method, *args)

    def close_all(self):
        for handle in self.opened:
            self.browser.switch_to.window(handle)
            self.browser.close()
        self.opened = []
        self.browser.switch_to.window(self.home)


def client_options(mode: str, token: str, **extra) -> dict:
    options = {"auth": {"token": token}, "withCredentials": True, "timeout": 5000, **extra}
    if mode != "default":
        options["transports"] = [mode]
    return options


def connected_pair(pages: Pages, command: dict, origins: dict, result: dict):
    """Pages A and B (users a and b) connected from the allowed origin and joined to the room."""
    mode, server, room = command["mode"], command["server"], command["room"]
    a = pages.open(origins["allowed"])
    # A custom header makes every polling request preflighted (OPTIONS) under CORS.
    result["a_connect"] = pages.call(a, "connect", server,
                                     client_options(mode, command["tokens"]["a"],
                                                    extraHeaders={"X-Gridline-Test": "browser"}))
    result["a_join"] = pages.call(a, "ack", "join_room", {"room_id": room})
    b = pages.open(origins["allowed"])
    result["b_connect"] = pages.call(b, "connect", server, client_options(mode, command["tokens"]["b"]))
    result["b_join"] = pages.call(b, "ack", "join_room", {"room_id": room})
    result["a_heard_b_join"] = pages.call(a, "waitEvent", "user_joined", "room_id", room, 5000)
    return a, b


def basic(pages: Pages, command: dict, origins: dict) -> dict:
    """Join, edit, hear, conflict, refused token and origin, disconnect and reconnect."""
    mode, server, room, sheet = command["mode"], command["server"], command["room"], command["sheet"]
    users, tokens = command["users"], command["tokens"]
    result = {}
    a, b = connected_pair(pages, command, origins, result)
    if mode == "default":
        result["a_upgraded"] = pages.call(a, "waitTransport", "websocket", 5000)
        result["b_upgraded"] = pages.call(b, "waitTransport", "websocket", 5000)
    # B's next ack has the same number as A's edit ack; a cursor move has no answer for its sender.
    pages.call(b, "emitUnanswered", "cursor_move", {"room": room, "x": 1, "y": 2, "cell": "A1"})
    result["edit"] = pages.call(a, "ack", "cell_update",
                                {"sheet_id": sheet, "cell_id": "B2", "value": 42, "version": 0})
    seq = (result["edit"].get("reply") or {}).get("seq")
    result["b_heard_edit"] = pages.call(b, "waitEvent", "cell_updated", "seq", seq, 5000)
    result["b_stray_acks"] = pages.call(b, "strayAckLog")
    result["conflict"] = pages.call(a, "ack", "cell_update",
                                    {"sheet_id": sheet, "cell_id": "B2", "value": 43, "version": 0})

    bad = pages.open(origins["allowed"])
    result["bad_token"] = pages.call(bad, "connect", server,
                                     client_options(mode, "not-a-token", reconnection=False))
    elsewhere = pages.open(origins["denied"])
    result["denied_origin"] = pages.call(elsewhere, "connect", server,
                                         client_options(mode, tokens["a"], reconnection=False))

    result["a_disconnect"] = pages.call(a, "disconnect")
    result["b_heard_a_leave"] = pages.call(b, "waitEvent", "user_left", "user_id", users["a"], 5000)
    result["a_reconnect"] = pages.call(a, "reconnect")
    result["a_rejoin"] = pages.call(a, "ack", "join_room", {"room_id": room})
    result["b_heard_a_rejoin"] = pages.call(b, "waitEvent", "user_joined", "room_id", room, 5000)
    result["a_final"] = pages.call(a, "waitTransport", "websocket" if mode != "polling" else "polling", 5000)
    result["b_final"] = pages.call(b, "state")
    result["a_trace"] = pages.call(a, "traceLog")
    result["b_trace"] = pages.call(b, "traceLog")
    return result


def recovery(pages: Pages, command: dict, origins: dict) -> dict:
    """A loses its transport, B writes while A is away, A comes back with every missed update."""
    mode, sheet = command["mode"], command["sheet"]
    result = {}
    a, b = connected_pair(pages, command, origins, result)
    if mode == "default":
        result["a_upgraded"] = pages.call(a, "waitTransport", "websocket", 5000)
    result["before"] = pages.call(b, "ack", "cell_update", {"sheet_id": sheet, "cell_id": "C1", "value": "before"})
    seq = (result["before"].get("reply") or {}).get("seq")
    result["a_heard_before"] = pages.call(a, "waitEvent", "cell_updated", "seq", seq, 5000)
    result["a_before"] = pages.call(a, "state")
    result["drop"] = pages.call(a, "dropTransport")
    result["missed"] = [pages.call(b, "ack", "cell_update",
                                   {"sheet_id": sheet, "cell_id": f"C{row}", "value": f"missed {row}"})
                        for row in range(2, 7)]
    result["a_seqs_while_down"] = pages.call(a, "seqs", sheet)
    result["a_reconnect"] = pages.call(a, "reconnect")
    wanted = [seq] + [(write.get("reply") or {}).get("seq") for write in result["missed"]]
    result["a_seqs_recovered"] = pages.call(a, "waitSeqs", sheet, wanted, 5000)
    # Still in the room without joining again: a live update arrives after the recovered ones.
    result["after"] = pages.call(b, "ack", "cell_update", {"sheet_id": sheet, "cell_id": "C7", "value": "after"})
    wanted.append((result["after"].get("reply") or {}).get("seq"))
    pages.call(a, "waitSeqs", sheet, wanted, 5000)
    pages.call(a, "sleep", 300)  # room for a duplicate to show up
    result["a_seqs_final"] = pages.call(a, "seqs", sheet)
    result["a_final"] = pages.call(a, "waitTransport", "websocket" if mode != "polling" else "polling", 5000)
    result["a_trace"] = pages.call(a, "traceLog")
    return result


def main(cache_file: str) -> None:
    try:
        script = client_script(cache_file)
    except Exception as error:  # noqa: BLE001 - any failure here means "cannot run", reported as a skip
        say("skip", reason=f"socket.io-client 4.8.1 unavailable: {error}")
        return
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        say("skip", reason="chromium and chromedriver are needed (apt-get install chromium chromium-driver)")
        return
    try:
        import selenium  # noqa: F401
    except ImportError:
        say("skip", reason="selenium is missing from the test venv (run Tests/support/make-venv.sh)")
        return
    with open(PAGE, "rb") as page:
        files = {"/page.html": ("text/html; charset=utf-8", page.read()),
                 "/socket.io.min.js": ("application/javascript", script)}
    allowed, denied = page_server(files), page_server(files)
    origins = {"allowed": f"http://127.0.0.1:{allowed.server_address[1]}",
               "denied": f"http://127.0.0.1:{denied.server_address[1]}"}
    say("ready", allowed_origin=origins["allowed"], denied_origin=origins["denied"],
        client_banner=script[:200].decode("utf-8", "replace").split("\n")[1].strip(" *"))
    browser = None
    try:
        started = time.monotonic()
        browser = start_browser()
        sys.stderr.write(f"chromium {browser.capabilities.get('browserVersion')} up in "
                         f"{time.monotonic() - started:.1f} s\n")
        pages = Pages(browser)
        for line in sys.stdin:
            command = json.loads(line)
            if command.get("cmd") == "quit":
                break
            flow = {"basic": basic, "recovery": recovery}[command["cmd"]]
            started = time.monotonic()
            try:
                result = flow(pages, command, origins)
                result["seconds"] = round(time.monotonic() - started, 2)
                say("result", result=result)
            except Exception:  # noqa: BLE001 - reported to the test, which fails with it
                say("error", message=traceback.format_exc()[-2000:])
            finally:
                pages.close_all()
    except Exception:  # noqa: BLE001
        say("error", message=traceback.format_exc()[-2000:])
    finally:
        if browser is not None:
            browser.quit()
        allowed.shutdown()
        denied.shutdown()


if __name__ == "__main__":
    # The test stops this driver with SIGTERM if it must: unwind so Chromium is quit, not orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main(sys.argv[1])
