// A scripted stand-in for the Gridline server, speaking SPEC §4–§6 to gridline.js through an
// injected WebSocket class: one room, one sheet, compare-and-set cells, a seq-numbered history.

export class FakeServer {
  constructor({ heartbeat = 25000, cursorRate = 30, sheetId = 'sheet-1', roomId = 'room-1' } = {}) {
    this.heartbeat = heartbeat;
    this.cursorRate = cursorRate;
    this.sheetId = sheetId;
    this.roomId = roomId;
    this.cells = new Map();
    this.history = [];
    this.seq = 0;
    this.sockets = [];
    this.received = [];
    /** When false, new sockets are refused (closed 1006 before opening). */
    this.up = true;
    /** When set, the next socket is accepted then closed with this code. */
    this.closeNextWith = null;
    /** When true, the server stops answering (a dead link). */
    this.silent = false;
    const server = this;
    this.WebSocket = class FakeWebSocket {
      constructor(url, protocols) {
        this.url = url;
        this.protocols = protocols;
        this.readyState = 0;
        this.userId = 'alice';
        server.sockets.push(this);
        setTimeout(() => server._connect(this), 0);
      }
      send(text) {
        if (this.readyState !== 1) throw new Error('not open');
        const m = JSON.parse(text);
        server.received.push(m);
        if (!server.silent) server._handle(this, m);
      }
      close() { this.readyState = 3; }
    };
  }

  get live() { return this.sockets.filter((s) => s.readyState === 1); }

  _connect(ws) {
    if (!this.up) { ws.readyState = 3; ws.onclose && ws.onclose({ code: 1006, reason: '' }); return; }
    ws.readyState = 1;
    ws.onopen && ws.onopen({});
    if (this.closeNextWith) {
      const code = this.closeNextWith;
      this.closeNextWith = null;
      this.push(ws, { type: 'connection_established', connection_id: 'c' + this.sockets.length, user: { user_id: 'alice', username: 'alice', role: 'editor' }, heartbeat_interval: this.heartbeat, limits: { cursor_rate: this.cursorRate } });
      this.drop(ws, code);
      return;
    }
    this.push(ws, { type: 'connection_established', connection_id: 'c' + this.sockets.length,
      user: { user_id: 'alice', username: 'alice', role: 'editor' }, heartbeat_interval: this.heartbeat,
      limits: { cursor_rate: this.cursorRate } });
  }

  push(ws, message) {
    if (ws.readyState !== 1) return;
    ws.onmessage && ws.onmessage({ data: JSON.stringify({ timestamp: new Date().toISOString(), ...message }) });
  }

  drop(ws, code = 1006) {
    if (ws.readyState === 3) return;
    ws.readyState = 3;
    ws.onclose && ws.onclose({ code, reason: '' });
  }

  dropAll(code = 1006) { for (const ws of this.live) this.drop(ws, code); }

  broadcast(message) { for (const ws of this.live) this.push(ws, message); }

  /** A write by another user, committed and broadcast like the real server's. */
  write(cellId, value, userId = 'bob') {
    const cell = this._commit(cellId, value, null, userId);
    this.broadcast({ type: 'cell_updated', sheet_id: this.sheetId, ...cell, user_id: userId, username: userId });
    return cell;
  }

  /** The same, while no client hears it (as if it happened while they were offline). */
  writeUnheard(cellId, value, userId = 'bob') { return this._commit(cellId, value, null, userId); }

  _commit(cellId, value, formula, userId) {
    const old = this.cells.get(cellId);
    const cell = { cell_id: cellId, value, formula, version: (old ? old.version : 0) + 1, seq: ++this.seq, updated_by: userId };
    this.cells.set(cellId, cell);
    this.history.push(cell);
    return cell;
  }

  _handle(ws, m) {
    const reply = (message) => this.push(ws, m.request_id ? { ...message, request_id: m.request_id } : message);
    switch (m.type) {
      case 'ping': reply({ type: 'pong' }); break;
      case 'join_room':
        reply({ type: 'room_state', room_id: m.room_id, users: [{ user_id: 'alice', username: 'alice', status: 'online', cursor: null }], active_sheets: [this.sheetId], total_users: 1 });
        break;
      case 'sheet_snapshot':
        reply({ type: 'sheet_state', sheet_id: this.sheetId, seq: this.seq, cells: [...this.cells.values()].map(({ seq, ...c }) => c) });
        break;
      case 'sync':
        for (const cell of this.history.filter((c) => c.seq > m.since_seq)) {
          this.push(ws, { type: 'cell_updated', sheet_id: this.sheetId, ...cell, user_id: cell.updated_by, username: cell.updated_by });
        }
        this.push(ws, { type: 'sync_complete', sheet_id: this.sheetId, seq: this.seq });
        break;
      case 'cell_update': {
        const old = this.cells.get(m.cell_id);
        const version = old ? old.version : 0;
        if (m.version !== undefined && m.version !== version) {
          reply({ type: 'error', code: 'VERSION_CONFLICT', error: 'conflict', recoverable: true, current: { ...old } });
          break;
        }
        const cell = this._commit(m.cell_id, m.value, m.formula || null, ws.userId);
        for (const other of this.live) {
          this.push(other, { type: 'cell_updated', sheet_id: this.sheetId, ...cell, user_id: ws.userId, username: ws.userId, ...(other === ws && m.request_id ? { request_id: m.request_id } : {}) });
        }
        break;
      }
      case 'cells_update': {
        const conflicts = m.updates.filter((u) => u.version !== undefined && u.version !== ((this.cells.get(u.cell_id) || {}).version || 0));
        if (conflicts.length) {
          reply({ type: 'error', code: 'VERSION_CONFLICT', error: 'conflict', recoverable: true, conflicts: conflicts.map((u) => ({ cell_id: u.cell_id, current: this.cells.get(u.cell_id) })) });
          break;
        }
        const cells = m.updates.map((u) => this._commit(u.cell_id, u.value, u.formula || null, ws.userId));
        for (const other of this.live) {
          this.push(other, { type: 'cells_updated', sheet_id: this.sheetId, cells, user_id: ws.userId, username: ws.userId, ...(other === ws && m.request_id ? { request_id: m.request_id } : {}) });
        }
        break;
      }
      default: break;
    }
  }
}

/** Resolves when `predicate()` holds, polling every 5 ms, or rejects after `ms`. */
export async function eventually(predicate, ms = 2000, what = 'condition') {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('timed out waiting for ' + what);
}
