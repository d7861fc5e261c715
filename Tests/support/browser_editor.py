"""Drives the editor at / in headless Chromium (Selenium) for Tests/EndToEndTests/BrowserEditorTests.

One browser per process: the Swift test file starts this once and sends one JSON line per
scenario on stdin ({"scenario", "port", "secret", "artifacts"}). Answers are JSON lines on stdout:
{"event": "ready"} or {"event": "unavailable", "reason"} first, then per scenario either
{"event": "ask", "what": "stop"|"start"} (the Swift side stops or restarts the server on the same
port and answers {"done": true}) or the final {"event": "result", "ok", "error"?, "details"}.
"""
import json
import os
import queue
import sys
import threading
import time
import traceback

import jwt

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from websockets.sync.client import connect as ws_connect
except Exception as error:  # the Swift test skips on this
    print(json.dumps({"event": "unavailable", "reason": f"import failed: {error}"}), flush=True)
    sys.exit(0)

CHROMIUM = os.environ.get("GRIDLINE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GRIDLINE_CHROMEDRIVER", "/usr/bin/chromedriver")


class Failure(Exception):
    pass


def say(obj):
    print(json.dumps(obj), flush=True)


def ask(what):
    say({"event": "ask", "what": what})
    line = sys.stdin.readline()
    return json.loads(line) if line else {}


def token(secret, user, role="editor"):
    now = int(time.time())
    return jwt.encode({"sub": user, "username": user, "role": role, "iat": now, "exp": now + 3600}, secret, algorithm="HS256")


def eventually(check, timeout=10.0, what="condition", interval=0.05):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = check()
            if last:
                return last
        except Exception as error:  # the page may be mid-render
            last = error
        time.sleep(interval)
    raise Failure(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class WSClient:
    """A third client (Python websockets, not our code) that joins the room and records messages."""

    def __init__(self, port, tok, room="demo"):
        self.messages = []
        self.lock = threading.Lock()
        self.conn = ws_connect(f"ws://127.0.0.1:{port}/api/v1/ws?token={tok}", max_size=2**24)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.wait(lambda m: m["type"] == "connection_established")
        self.send({"type": "join_room", "room_id": room, "request_id": "join"})
        self.room_state = self.wait(lambda m: m.get("request_id") == "join")
        self.sheet = self.room_state["active_sheets"][0]

    def _read(self):
        try:
            for text in self.conn:
                with self.lock:
                    self.messages.append(json.loads(text))
        except Exception:
            pass

    def send(self, message):
        self.conn.send(json.dumps(message))

    def wait(self, predicate, timeout=10.0):
        def found():
            with self.lock:
                for m in self.messages:
                    if predicate(m):
                        return m
            return None
        return eventually(found, timeout, "a websocket message")

    def snapshot(self):
        self.send({"type": "sheet_snapshot", "sheet_id": self.sheet, "request_id": f"snap-{time.time()}"})
        state = self.wait(lambda m: m["type"] == "sheet_state" and m.get("_seen") is None)
        state["_seen"] = True
        return {c["cell_id"]: c for c in state["cells"]}

    def write(self, cell, value, version=None, formula=None, rid=None):
        rid = rid or f"w-{cell}-{time.time()}"
        message = {"type": "cell_update", "sheet_id": self.sheet, "cell_id": cell, "value": value, "request_id": rid}
        if version is not None:
            message["version"] = version
        if formula is not None:
            message["formula"] = formula
        self.send(message)
        return self.wait(lambda m: m.get("request_id") == rid)

    def close(self):
        try:
            self.conn.close()
        except Exception:
            pass


class Browser:
    def __init__(self):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1400,900", "--disable-background-timer-throttling",
                    "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
                    "--enable-precise-memory-info", "--js-flags=--expose-gc"]:
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(20)
        self.home = self.driver.current_window_handle

    def open(self, url, first=False):
        if not first:
            self.driver.switch_to.new_window("window")
        self.driver.get(url)
        return self.driver.current_window_handle

    def reset(self):
        for handle in list(self.driver.window_handles):
            if handle != self.home:
                self.driver.switch_to.window(handle)
                self.driver.close()
        self.driver.switch_to.window(self.home)
        self.driver.get("about:blank")

    def quit(self):
        self.driver.quit()


class Scenario:
    def __init__(self, browser, request):
        self.b = browser
        self.d = browser.driver
        self.port = request["port"]
        self.secret = request["secret"]
        self.artifacts = request.get("artifacts")
        self.base = f"http://127.0.0.1:{self.port}"
        self.details = {}
        self.clients = []

    def url(self, user, room="demo"):
        return f"{self.base}/?token={token(self.secret, user)}&room={room}"

    def window(self, user, first=False):
        handle = self.b.open(self.url(user), first=first)
        self.wait_state(handle, "connected")
        self.eventually_in(handle, lambda: self.js("return !!(window.gridlineEditor && window.gridlineEditor.editor)"), 10, "the grid")
        return handle

    def third(self, user="carol"):
        client = WSClient(self.port, token(self.secret, user))
        self.clients.append(client)
        return client

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def to(self, handle):
        self.d.switch_to.window(handle)

    def eventually_in(self, handle, check, timeout=10.0, what="condition"):
        def run():
            self.to(handle)
            return check()
        return eventually(run, timeout, what)

    def state(self):
        return self.js("const e = document.querySelector('[data-connection-state]'); return e && e.textContent")

    def wait_state(self, handle, state, timeout=15.0):
        return self.eventually_in(handle, lambda: self.state() == state, timeout, f"connection state {state}")

    def cell_text(self, cell):
        return self.js("const e = document.querySelector(`#grid [data-cell='${arguments[0]}']`); return e && e.textContent", cell)

    def wait_cell(self, handle, cell, text, timeout=10.0):
        self.eventually_in(handle, lambda: self.cell_text(cell) == text, timeout, f"{cell} showing {text!r}")

    def click_cell(self, cell):
        element = self.d.find_element(By.CSS_SELECTOR, f"#grid [data-cell='{cell}']")
        self.js("arguments[0].scrollIntoView({block:'center'})", element)
        element.click()

    def type_keys(self, *keys):
        ActionChains(self.d).send_keys(*keys).perform()

    def edit(self, handle, cell, text, commit=True):
        self.to(handle)
        self.click_cell(cell)
        self.type_keys(text)
        if commit:
            self.type_keys(Keys.ENTER)

    def screenshot(self, handle, name):
        if not self.artifacts:
            return
        os.makedirs(self.artifacts, exist_ok=True)
        self.to(handle)
        path = os.path.join(self.artifacts, name)
        self.d.save_screenshot(path)
        self.details.setdefault("screenshots", []).append(path)

    def browser_errors(self):
        try:
            return [e["message"] for e in self.d.get_log("browser") if e["level"] == "SEVERE"]
        except Exception:
            return []

    def close(self):
        for client in self.clients:
            client.close()


def scenario_two_users(s):
    alice = s.window("alice", first=True)
    bob = s.window("bob")
    for handle in (alice, bob):
        s.eventually_in(handle, lambda: sorted(s.js(
            "return [...document.querySelectorAll('[data-presence] [data-user-id]')].map(e => e.dataset.userId)")) == ["alice", "bob"],
            10, "both presence badges")
    hidden_shown = s.js("return [...document.querySelectorAll('[hidden]')].filter(e => getComputedStyle(e).display !== 'none').map(e => e.id || e.className)")
    if hidden_shown:
        raise Failure(f"hidden elements are displayed: {hidden_shown}")
    colours = s.js("return [...document.querySelectorAll('[data-presence] [data-user-id]')].map(e => getComputedStyle(e).backgroundColor)")
    if len(set(colours)) != 2:
        raise Failure(f"badges share a colour: {colours}")
    s.edit(alice, "B2", "hello")
    s.wait_cell(bob, "B2", "hello")
    s.wait_cell(alice, "B2", "hello")
    # Remote cursor follows clicks.
    for cell in ["C5", "D7"]:
        s.to(alice)
        s.click_cell(cell)
        s.eventually_in(bob, lambda: s.js(
            "const e = document.querySelector(\"[data-remote-cursor][data-user-id='alice']\"); return e && e.dataset.cell") == cell,
            10, f"alice's cursor at {cell} in bob's window")
    label = s.js("return document.querySelector(\"[data-remote-cursor][data-user-id='alice']\").textContent")
    if "alice" not in label:
        raise Failure(f"remote cursor label is {label!r}")
    # Typing shows, then expires (the server ends it after TYPING_TIMEOUT without a refresh).
    s.to(alice)
    s.click_cell("E3")
    s.type_keys("abc")
    shown = time.time()
    s.eventually_in(bob, lambda: s.js("return !!document.querySelector(\"[data-typing][data-user-id='alice']\")"), 10, "typing indicator")
    s.screenshot(alice, "browser-two-users-alice.png")
    s.screenshot(bob, "browser-two-users-bob.png")
    s.eventually_in(bob, lambda: not s.js("return !!document.querySelector(\"[data-typing][data-user-id='alice']\")"), 12, "typing expiry")  # the server ends it after TYPING_TIMEOUT (4 s in the test)
    s.details["typing_expired_after_s"] = round(time.time() - shown, 2)
    s.to(alice)
    s.type_keys(Keys.ESCAPE)
    s.wait_cell(alice, "E3", "")
    # Formula bar shows the active cell's content.
    s.to(bob)
    s.click_cell("B2")
    bar = s.js("return document.getElementById('formula-bar').value")
    if bar != "hello":
        raise Failure(f"formula bar shows {bar!r}")
    s.details["errors"] = s.browser_errors()


def scenario_keyboard(s):
    alice = s.window("alice", first=True)
    s.to(alice)
    b2 = s.cell_text("B2")  # the seed's value
    s.click_cell("A1")
    s.type_keys("1", Keys.TAB, "2", Keys.ENTER)  # A1=1, B1=2, then down to B2
    s.type_keys("x", Keys.ESCAPE)  # cancelled
    s.type_keys(Keys.ARROW_LEFT, "3", Keys.ENTER)  # A2=3
    s.wait_cell(alice, "A1", "1")
    s.wait_cell(alice, "B1", "2")
    s.wait_cell(alice, "A2", "3")
    if s.cell_text("B2") != b2:
        raise Failure(f"Escape did not cancel the edit of B2: {s.cell_text('B2')!r} instead of {b2!r}")
    active = s.js("return document.querySelector('#grid .active').dataset.cell")
    if active != "A3":
        raise Failure(f"after Enter the active cell is {active}")
    s.click_cell("A1")
    s.type_keys(Keys.F2, "0", Keys.ENTER)  # F2 keeps the content: A1 = 10
    s.wait_cell(alice, "A1", "10")
    s.click_cell("B1")
    s.type_keys(Keys.DELETE)
    s.wait_cell(alice, "B1", "")
    carol = s.third()
    cells = eventually(lambda: (lambda c: c if c.get("A1", {}).get("value") == 10 else None)(carol.snapshot()), 10, "A1 = 10 on the server")
    s.details["a1"] = cells["A1"]["value"]
    s.details["b1"] = cells.get("B1", {}).get("value")


def conflict_round(s, alice, bob, carol, cell, mine, theirs, keep):
    s.to(alice)
    s.click_cell(cell)
    s.type_keys(mine)  # editing began at the cell's current version
    current = carol.snapshot().get(cell, {"version": 0})
    answer = carol.write(cell, theirs, version=current["version"])
    if answer["type"] != "cell_updated":
        raise Failure(f"third client's write failed: {answer}")
    s.wait_cell(bob, cell, theirs)
    s.to(alice)
    s.type_keys(Keys.ENTER)
    s.eventually_in(alice, lambda: s.js("const e = document.querySelector('[data-conflict]'); return e && !e.hidden && getComputedStyle(e).display !== 'none'"), 10, "conflict banner")
    text = s.js("return document.querySelector('[data-conflict]').textContent")
    if theirs not in text:
        raise Failure(f"banner does not show theirs: {text!r}")
    s.d.find_element(By.ID, "keep-mine" if keep else "take-theirs").click()
    winner = mine if keep else theirs
    s.eventually_in(alice, lambda: s.js("const e = document.querySelector('[data-conflict]'); return e.hidden && getComputedStyle(e).display === 'none'"), 5, "banner gone")
    s.wait_cell(alice, cell, winner)
    s.wait_cell(bob, cell, winner)
    eventually(lambda: carol.snapshot().get(cell, {}).get("value") == winner, 10, f"server holds {winner}")
    return text


def scenario_conflict(s):
    alice = s.window("alice", first=True)
    bob = s.window("bob")
    carol = s.third()
    s.details["banner_keep"] = conflict_round(s, alice, bob, carol, "C3", "mine", "theirs", keep=True)
    s.details["banner_take"] = conflict_round(s, alice, bob, carol, "C3", "mine again", "theirs again", keep=False)


def scenario_restart(s):
    alice = s.window("alice", first=True)
    bob = s.window("bob")
    s.edit(alice, "A1", "before")
    s.wait_cell(bob, "A1", "before")
    states = {"alice": [], "bob": []}
    for handle in (alice, bob):
        s.to(handle)
        s.js("window.__states = []; window.gridlineEditor.client.on('state', e => window.__states.push(e.state));")
    ask("stop")
    s.wait_state(alice, "reconnecting", 15)
    s.wait_state(bob, "reconnecting", 15)
    # Typed while offline: shown as pending, sent after the resync.
    s.edit(alice, "B1", "typed offline")
    s.edit(bob, "B2", "bob offline")
    s.to(alice)
    if s.cell_text("B1") != "typed offline":
        raise Failure("the offline edit is not shown locally")
    ask("start")
    carol = s.third()
    for i in range(1, 4):
        answer = carol.write(f"C{i}", f"missed {i}")
        if answer["type"] != "cell_updated":
            raise Failure(f"third client's write failed: {answer}")
    for handle in (alice, bob):
        s.wait_state(handle, "connected", 30)
        for i in range(1, 4):
            s.wait_cell(handle, f"C{i}", f"missed {i}", 20)
        s.wait_cell(handle, "B1", "typed offline", 20)
        s.wait_cell(handle, "B2", "bob offline", 20)
        s.wait_cell(handle, "A1", "before")
    for name, handle in (("alice", alice), ("bob", bob)):
        s.to(handle)
        states[name] = s.js("return window.__states")
        if "reconnecting" not in states[name] or states[name][-1] != "connected":
            raise Failure(f"{name}'s states were {states[name]}")
    cells = carol.snapshot()
    if cells["B1"]["value"] != "typed offline" or cells["B2"]["value"] != "bob offline":
        raise Failure(f"server holds {cells.get('B1')}, {cells.get('B2')}")
    s.details["states"] = states


def scenario_xss(s):
    alice = s.window("alice", first=True)
    bob = s.window("bob")
    payload = "<img src=x onerror=window.__pwned=1>"
    s.edit(alice, "A4", payload)
    carol = s.third()
    carol.write("A5", "<script>window.__pwned=2</script>")
    for handle in (alice, bob):
        s.wait_cell(handle, "A4", payload)
        s.wait_cell(handle, "A5", "<script>window.__pwned=2</script>")
        s.to(handle)
        if s.js("return window.__pwned") is not None:
            raise Failure("a cell value ran script")
        if s.js("return document.querySelectorAll('#grid img, #grid script').length") != 0:
            raise Failure("a cell value became markup")
    s.details["shown"] = s.cell_text("A4")


def scenario_paste(s):
    alice = s.window("alice", first=True)
    carol = s.third()
    rows = "\n".join(f"row {i}\t{i}" for i in range(1, 201)) + "\n"
    s.to(alice)
    s.click_cell("A1")
    s.js("""const dt = new DataTransfer(); dt.setData('text/plain', arguments[0]);
            document.getElementById('grid').dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));""", rows)
    batch = carol.wait(lambda m: m["type"] == "cells_updated", 15)
    time.sleep(0.5)
    with carol.lock:
        batches = [m for m in carol.messages if m["type"] == "cells_updated"]
        singles = [m for m in carol.messages if m["type"] == "cell_updated"]
    s.details.update(batches=len(batches), cells=len(batch["cells"]), singles=len(singles))
    if len(batches) != 1 or len(batch["cells"]) != 400 or singles:
        raise Failure(f"paste arrived as {len(batches)} cells_updated ({len(batch['cells'])} cells) and {len(singles)} cell_updated")
    s.wait_cell(alice, "A200", "row 200")
    s.wait_cell(alice, "B200", "200")


def scenario_formula(s):
    carol = s.third()
    probe = carol.write("Z1", None, formula="=1+1")
    if probe.get("type") != "cell_updated" or probe.get("value") != 2:
        s.details["skip"] = f"server-side formulas are not merged yet: =1+1 came back as {probe.get('value')!r} ({probe.get('type')})"
        return
    alice = s.window("alice", first=True)
    bob = s.window("bob")
    s.edit(alice, "A1", "5")
    s.edit(alice, "B1", "=A1*2")
    for handle in (alice, bob):
        s.wait_cell(handle, "B1", "10")
    s.to(bob)
    s.click_cell("B1")
    bar = s.js("return document.getElementById('formula-bar').value")
    if bar != "=A1*2":
        raise Failure(f"formula bar shows {bar!r}")
    s.edit(bob, "A1", "7")
    for handle in (alice, bob):
        s.wait_cell(handle, "B1", "14")
    s.details["formula_bar"] = bar


def scenario_side_panels(s):
    import tempfile
    import urllib.request
    alice = s.window("alice", first=True)
    body = json.dumps({"user_id": "alice", "title": "<b>Review</b> Q3", "message": "numbers are in",
                       "category": "tasks", "priority": "high", "module_name": "projects"}).encode()
    request = urllib.request.Request(f"{s.base}/api/v1/ws/broadcast/notification?event_type=notification_created", data=body,
                                     method="POST", headers={"Authorization": "Bearer " + token(s.secret, "admin", "admin"),
                                                             "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()
    s.eventually_in(alice, lambda: s.js("return document.querySelector('[data-unread-count]').textContent") == "1", 10, "unread 1")
    title = s.js("return document.querySelector('[data-notifications] li strong').textContent")
    if title != "<b>Review</b> Q3":
        raise Failure(f"notification title shown as {title!r}")
    s.d.find_element(By.CSS_SELECTOR, "[data-notifications] li button").click()
    s.eventually_in(alice, lambda: s.js("return document.querySelector('[data-unread-count]').textContent") == "0", 10, "unread 0")
    # AI panel: the seed's numbers in B1:B10.
    range_input = s.d.find_element(By.ID, "ai-range")
    range_input.clear()
    range_input.send_keys("B1:B10")
    s.d.find_element(By.CSS_SELECTOR, "#ai-form button").click()
    result = s.eventually_in(alice, lambda: s.js("return document.querySelector('[data-ai-result]').textContent"), 20, "AI result")
    progress = s.js("return document.querySelector('[data-ai-progress]').value")
    if progress != 100 or "B1:B10" not in result:
        raise Failure(f"AI panel shows {progress}% and {result!r}")
    # Upload with a progress bar.
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as handle:
        handle.write(b"a,b\n" * 50000)
        path = handle.name
    s.d.find_element(By.ID, "upload-input").send_keys(path)
    status = s.eventually_in(alice, lambda: (lambda t: t if t.startswith("Uploaded") else None)(
        s.js("return document.querySelector('[data-upload-status]').textContent")), 20, "upload done")
    os.unlink(path)
    if s.js("return document.querySelector('[data-upload-progress]').value") != 100:
        raise Failure("upload progress did not reach 100")
    s.details.update(ai_result=result, upload_status=status, notification_title=title)


def scenario_measure(s):
    carol = s.third()
    for block in range(5):  # 5,000 filled cells: columns A..Y, rows 1..200
        updates = [{"cell_id": f"{chr(65 + block * 5 + c)}{r}", "value": (r * 31 + c) % 997}
                   for c in range(5) for r in range(1, 201)]
        carol.send({"type": "cells_update", "sheet_id": carol.sheet, "updates": updates, "request_id": f"fill-{block}"})
        answer = carol.wait(lambda m, b=block: m.get("request_id") == f"fill-{b}", 20)
        if answer["type"] != "cells_updated":
            raise Failure(f"fill failed: {answer}")
    loads = []
    for _ in range(3):
        s.b.reset()
        start = time.time()
        s.d.get(s.url("alice"))
        eventually(lambda: s.js("return window.gridlineEditor && window.gridlineEditor.timings.gridReadyMs"), 20, "grid ready")
        timing = s.js("""const t = window.gridlineEditor.timings;
            const nav = performance.getEntriesByType('navigation')[0];
            return {response_end: nav.responseEnd, dom_content_loaded: nav.domContentLoadedEventEnd, built: t.gridBuiltMs,
                    connected: t.connectedMs, joined: t.joinedMs, render: t.renderMs, ready: t.gridReadyMs,
                    cells: document.querySelectorAll('#grid [data-cell]').length,
                    filled: [...document.querySelectorAll('#grid [data-cell]')].filter(td => td.textContent !== '').length}""")
        timing["wall_ms"] = round((time.time() - start) * 1000)
        loads.append(timing)
    if loads[-1]["filled"] != 5000 or loads[-1]["cells"] < 5200:
        raise Failure(f"grid shows {loads[-1]['filled']} filled of {loads[-1]['cells']} cells")
    s.details["load"] = loads
    alice = s.d.current_window_handle
    applies = []
    for round_ in range(3):
        updates = [{"cell_id": f"{chr(65 + c)}{r}", "value": f"u{round_}-{r}-{c}"} for c in range(5) for r in range(1, 201)]
        carol.send({"type": "cells_update", "sheet_id": carol.sheet, "updates": updates, "request_id": f"big-{round_}"})
        s.wait_cell(alice, "E200", f"u{round_}-200-4", 20)
        applies.append(s.js("return window.gridlineEditor.timings.lastApply"))
    s.details["apply_1000"] = applies
    # Memory with 10 remote users moving cursors at the cursor rate for 5 s.
    s.js("window.gc && window.gc()")
    before = s.js("return performance.memory ? performance.memory.usedJSHeapSize : null")
    movers = [s.third(f"mover{i}") for i in range(10)]
    rate = 30
    t_end = time.time() + 5
    sent = 0
    while time.time() < t_end:
        tick = time.time()
        for i, m in enumerate(movers):
            m.send({"type": "cursor_move", "room": "demo", "x": 0, "y": 0, "cell": f"{chr(65 + (sent + i) % 26)}{(sent % 200) + 1}", "sheet_id": m.sheet})
        sent += 1
        time.sleep(max(0, 1 / rate - (time.time() - tick)))
    cursors = s.js("return document.querySelectorAll('[data-remote-cursor]').length")
    during = s.js("return performance.memory ? performance.memory.usedJSHeapSize : null")
    s.js("window.gc && window.gc()")
    after = s.js("return performance.memory ? performance.memory.usedJSHeapSize : null")
    s.details["memory"] = {"before_bytes": before, "during_bytes": during, "after_gc_bytes": after,
                           "remote_cursors": cursors, "moves_per_user": sent}


SCENARIOS = {
    "two_users": scenario_two_users, "keyboard": scenario_keyboard, "conflict": scenario_conflict,
    "restart": scenario_restart, "xss": scenario_xss, "paste": scenario_paste, "formula": scenario_formula,
    "measure": scenario_measure, "side_panels": scenario_side_panels,
}


def main():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        say({"event": "unavailable", "reason": f"{CHROMIUM} or {CHROMEDRIVER} missing (apt-get install chromium chromium-driver)"})
        return
    try:
        browser = Browser()
    except Exception as error:
        say({"event": "unavailable", "reason": f"chromium did not start: {error}"})
        return
    say({"event": "ready"})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            if request.get("scenario") == "quit":
                break
            scenario = Scenario(browser, request)
            try:
                browser.reset()
                SCENARIOS[request["scenario"]](scenario)
                say({"event": "result", "ok": True, "details": scenario.details})
            except Exception as error:
                details = dict(scenario.details)
                details["browser_errors"] = scenario.browser_errors()
                details["trace"] = traceback.format_exc()[-3000:]
                say({"event": "result", "ok": False, "error": f"{type(error).__name__}: {error}", "details": details})
            finally:
                scenario.close()
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
