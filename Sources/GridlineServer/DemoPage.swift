/// The page `serve` prints the address of: a tiny live sheet on the seed's `demo` room, so a
/// newcomer can open two tabs and watch presence, cursors and versioned edits work.
enum DemoPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gridline demo</title>
<style>
 body{font:14px system-ui,sans-serif;margin:20px;color:#222}
 table{border-collapse:collapse} td,th{border:1px solid #bbb;min-width:80px;height:24px;padding:0 4px}
 th{background:#f1f1f1;font-weight:normal} td.remote{outline:2px solid #e67e22}
 input{border:0;width:100%;font:inherit;background:transparent} #log{font:12px monospace;white-space:pre;max-height:200px;overflow:auto;background:#fafafa;padding:6px}
 .pill{display:inline-block;padding:2px 8px;border-radius:10px;background:#e8f0fe;margin-right:4px}
</style></head><body>
<h2>Gridline demo — room <code>demo</code></h2>
<p>Status: <b id="status">connecting…</b> · People here: <span id="people"></span></p>
<table id="grid"></table>
<p>Edits are compare-and-set on each cell's version: edit the same cell in two tabs to see a conflict.</p>
<div id="log"></div>
<script>
const token = new URLSearchParams(location.search).get("token");
const cols = "ABCDE", rows = 10, sheet = "demo-sheet";
const cells = {}; const grid = document.getElementById("grid");
let html = "<tr><th></th>" + [...cols].map(c => "<th>" + c + "</th>").join("") + "</tr>";
for (let r = 1; r <= rows; r++) html += "<tr><th>" + r + "</th>" + [...cols].map(c => `<td id="td-${c}${r}"><input id="${c}${r}"></td>`).join("") + "</tr>";
grid.innerHTML = html;
const log = m => { const el = document.getElementById("log"); el.textContent = m + "\n" + el.textContent.slice(0, 4000); };
const ws = new WebSocket(`ws://${location.host}/api/v1/ws?token=${encodeURIComponent(token || "")}`);
const send = o => ws.send(JSON.stringify(o));
const show = c => { const el = document.getElementById(c.cell_id); if (el && document.activeElement !== el) el.value = c.value ?? ""; };
ws.onopen = () => { document.getElementById("status").textContent = "connected"; send({type: "join_room", room_id: "demo"}); send({type: "sheet_snapshot", sheet_id: sheet}); };
ws.onclose = e => { document.getElementById("status").textContent = `closed (${e.code}) — is ?token= set?`; };
ws.onmessage = e => {
  const m = JSON.parse(e.data);
  if (m.type === "room_state" || m.type === "user_joined" || m.type === "user_left") refreshPeople(m);
  if (m.type === "sheet_state") m.cells.forEach(c => { cells[c.cell_id] = c; show(c); });
  if (m.type === "cell_updated") { cells[m.cell_id] = m; show(m); }
  if (m.type === "cells_updated") m.cells.forEach(c => { cells[c.cell_id] = c; show(c); });
  if (m.type === "cursor_moved") { document.querySelectorAll("td.remote").forEach(t => t.classList.remove("remote")); const t = document.getElementById("td-" + m.cursor.cell); if (t) t.classList.add("remote"); }
  if (m.type === "error" && m.code === "VERSION_CONFLICT" && m.current) { const c = {...m.current, cell_id: m.request_id}; cells[c.cell_id] = c; const el = document.getElementById(c.cell_id); if (el) el.value = c.value ?? ""; }
  if (m.type !== "cursor_moved") log(e.data);
};
let people = {};
function refreshPeople(m) {
  if (m.type === "room_state") { people = {}; m.users.forEach(u => people[u.user_id] = u.username); }
  if (m.type === "user_joined") people[m.user.user_id] = m.user.username;
  if (m.type === "user_left") delete people[m.user_id];
  document.getElementById("people").innerHTML = Object.values(people).map(n => `<span class="pill">${n.replace(/[<&]/g, "")}</span>`).join("");
}
grid.addEventListener("focusin", e => send({type: "cursor_move", room: "demo", x: 0, y: 0, cell: e.target.id, sheet_id: sheet}));
grid.addEventListener("change", e => {
  const id = e.target.id, raw = e.target.value, num = Number(raw);
  const value = raw === "" ? null : (raw.trim() !== "" && !isNaN(num) ? num : raw);
  send({type: "cell_update", sheet_id: sheet, cell_id: id, value, version: cells[id] ? cells[id].version : 0, request_id: id});
});
</script></body></html>
"""#
}
