// Gridline browser client (SPEC §4–§8, §13). An ES module with no dependencies and no build
// step. Everything that touches the outside world (WebSocket, fetch, XMLHttpRequest, timers,
// randomness) can be injected, so the reconnection and resync logic runs under `node --test`
// against a scripted fake server.

/**
 * @typedef {{cell_id: string, value: any, formula: (string|null), version: number,
 *   error?: (string|null), updated_by?: string, updated_at?: string, seq?: number}} Cell
 * @typedef {{user_id: string, username: string, email?: string, status: string,
 *   cursor: (null|{x:number, y:number, cell:string, sheet_id?:string}), typing?: (string|null)}} Presence
 * @typedef {'connecting'|'connected'|'reconnecting'|'offline'} ConnectionState
 * @typedef {{
 *   url?: string, token: string, restBase?: string, requestTimeout?: number, pingTimeout?: number,
 *   backoffBase?: number, backoffCap?: number, typingExpiry?: number,
 *   WebSocket?: any, fetch?: Function, XMLHttpRequest?: any, random?: () => number,
 *   setTimeout?: Function, clearTimeout?: Function, now?: () => number
 * }} GridlineOptions
 */

/** An error answer from the server (SPEC §4) or from the client itself (`TIMEOUT`, `DISCONNECTED`, `CLOSED`). */
export class GridlineError extends Error {
  /** @param {string} code @param {string} message @param {any} [detail] the whole error message */
  constructor(code, message, detail) {
    super(message);
    this.name = 'GridlineError';
    this.code = code;
    this.detail = detail;
    /** For VERSION_CONFLICT on one cell: the cell as the server holds it. */
    this.current = detail && detail.current;
    /** For VERSION_CONFLICT on `cells_update`: `[{cell_id, current}]`. */
    this.conflicts = detail && detail.conflicts;
  }
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt, random = Math.random, base = 250, cap = 10000) {
  return Math.floor(random() * Math.min(cap, base * 2 ** Math.min(attempt, 30)));
}

/** Turns what a user typed into a cell write: `=…` is a formula, numerals are numbers, '' is empty. */
export function parseInput(text) {
  if (text.startsWith('=') && text.length > 1) return { value: null, formula: text };
  if (text === '') return { value: null, formula: null };
  const trimmed = text.trim();
  if (trimmed !== '' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return { value: Number(trimmed), formula: null };
  return { value: text, formula: null };
}

/** A sheet as this client has applied it: cells by id and the last applied `seq`. */
export class SheetStore {
  constructor(id, roomId) {
    this.id = id;
    this.roomId = roomId;
    /** @type {Map<string, Cell>} */
    this.cells = new Map();
    /** Last applied seq; null until the first snapshot. */
    this.seq = null;
    /** Updates that arrived ahead of a gap (or before the snapshot), by seq. */
    this.ahead = new Map();
    this.syncing = null;
  }
  /** @returns {Cell|undefined} */
  get(cellId) { return this.cells.get(cellId); }
  /** The version an edit of `cellId` starting now is based on (0 for a never-written cell). */
  version(cellId) { const c = this.cells.get(cellId); return c ? c.version : 0; }
}

let clientCounter = 0;

/** One client connection with automatic reconnection; see README "Browser client". */
export class Gridline {
  /** Creates, starts and waits for the first `connection_established`. Rejects if refused for good. */
  static async connect(options) {
    const g = new Gridline(options);
    g.start();
    await g.ready();
    return g;
  }

  /** @param {GridlineOptions} options */
  constructor(options) {
    if (!options || !options.token) throw new GridlineError('INVALID_OPTIONS', 'token is required');
    const loc = typeof location !== 'undefined' ? location : null;
    this.url = options.url || (loc ? `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/v1/ws` : '');
    this.token = options.token;
    this.restBase = options.restBase || this.url.replace(/^ws/, 'http').replace(/\/api\/v1\/ws.*$/, '');
    this.requestTimeout = options.requestTimeout ?? 10000;
    this.pingTimeoutOption = options.pingTimeout;
    this.backoffBase = options.backoffBase ?? 250;
    this.backoffCap = options.backoffCap ?? 10000;
    this.typingExpiry = options.typingExpiry ?? 6000;
    this._WS = options.WebSocket || globalThis.WebSocket;
    this._fetch = options.fetch || (globalThis.fetch && globalThis.fetch.bind(globalThis));
    this._XHR = options.XMLHttpRequest || globalThis.XMLHttpRequest;
    this._random = options.random || Math.random;
    this._setTimeout = options.setTimeout || ((f, ms) => setTimeout(f, ms));
    this._clearTimeout = options.clearTimeout || ((t) => clearTimeout(t));
    this._now = options.now || (() => Date.now());

    /** @type {ConnectionState} */
    this.state = 'connecting';
    this.user = null;
    this.connectionId = null;
    this.limits = {};
    this.heartbeatInterval = 25000;
    this.stopped = false;
    this.stopReason = null;
    /** @type {Map<string, {users: Map<string, Presence>, sheets: string[], joined: boolean}>} */
    this.rooms = new Map();
    /** @type {Map<string, SheetStore>} */
    this.sheets = new Map();
    /** @type {Map<string, any>} notification id → notification */
    this.notifications = new Map();

    this._listeners = new Map();
    this._ws = null;
    this._attempt = 0;
    this._everConnected = false;
    this._synced = false;
    this._pending = new Map();
    this._outbox = [];
    this._inflightCells = new Set();
    this._ownVersions = new Map();
    this._ai = new Map();
    this._signals = new Map();
    this._signalTimer = null;
    this._lastSignalAt = -Infinity;
    this._typingTimers = new Map();
    this._heartbeatTimer = null;
    this._reconnectTimer = null;
    this._notificationFilters = null;
    this._ids = `${Math.floor(this._random() * 36 ** 4).toString(36)}${(++clientCounter).toString(36)}`;
    this._nextId = 0;
    this._readyWaiters = [];
  }

  // ---- events -------------------------------------------------------------------------------

  /**
   * Subscribes to an event; returns the unsubscribe function. Events: `state` {state, reason},
   * `presence` {room, users}, `cursor` {room, user_id, username, cursor}, `typing` {room, user_id,
   * username, cell_id, active}, `cells` {sheet_id, cells, user_id, username, recalculated,
   * cause_seq, replay}, `sheet` {sheet_id, seq} (a snapshot replaced the sheet), `synced`
   * {sheet_id, seq}, `conflict` {sheet_id, edit, current, conflicts}, `notifications` {list,
   * unread}, `notification` {event}, `ai` {event}, `upload` {message}, `error` {message},
   * `stopped` {reason, code}, `message` (every server message).
   */
  on(type, fn) {
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(fn);
    return () => this._listeners.get(type).delete(fn);
  }

  _emit(type, detail) {
    const set = this._listeners.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try { fn(detail); } catch (e) { if (typeof console !== 'undefined') console.error(e); }
    }
  }

  // ---- connection ---------------------------------------------------------------------------

  /** Opens the first connection; reconnection is automatic afterwards. */
  start() {
    if (this._ws || this.stopped) return;
    this._open();
  }

  /** Resolves once connected (now or later); rejects when the client stopped for good. */
  ready() {
    if (this.state === 'connected') return Promise.resolve(this);
    if (this.stopped) return Promise.reject(new GridlineError('CLOSED', this.stopReason || 'stopped'));
    return new Promise((resolve, reject) => this._readyWaiters.push({ resolve, reject }));
  }

  /** Closes for good: no reconnection; queued edits are rejected. */
  close() {
    this._stop('closed by the application', 1000);
  }

  _setState(state, reason) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', { state, reason });
  }

  _open() {
    this._reconnectTimer = null;
    this._setState(this._everConnected ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new this._WS(this.url, ['bearer', this.token]);
    } catch (e) {
      this._scheduleReconnect(1006, false);
      return;
    }
    this._ws = ws;
    this._established = false;
    ws.onopen = () => { if (this._ws === ws) this._touch(); };
    ws.onmessage = (e) => { if (this._ws === ws) { this._touch(); this._onFrame(e.data); } };
    ws.onerror = () => {};
    ws.onclose = (e) => { if (this._ws === ws) this._linkLost(e.code, e.reason); };
  }

  _touch() { this._lastFrameAt = this._now(); }

  /** The socket is gone (closed, or abandoned as dead): decide whether and when to retry. */
  _linkLost(code, reason) {
    const wasEstablished = this._established;
    this._abandonSocket();
    this._requeueInflight();
    if (this.stopped) return;
    if (code === 1008) return this._stop(reason || 'policy violation', code);
    if (code === 4001 || code === 4003) return this._stop(reason || 'refused', code);
    this._setState(this._everConnected ? 'reconnecting' : 'connecting', reason || `closed ${code}`);
    if (!wasEstablished && (code === 1006 || code === 1002 || code === 1005)) {
      // A browser reports a refused handshake (401) as 1006: ask REST with the same token.
      this._tokenRefused().then((refused) => {
        if (refused) this._stop('token refused', 401);
        else this._scheduleReconnect(code, wasEstablished);
      });
      return;
    }
    this._scheduleReconnect(code, wasEstablished);
  }

  _abandonSocket() {
    const ws = this._ws;
    this._ws = null;
    this._established = false;
    this._synced = false;
    if (this._heartbeatTimer) { this._clearTimeout(this._heartbeatTimer); this._heartbeatTimer = null; }
    if (this._signalTimer) { this._clearTimeout(this._signalTimer); this._signalTimer = null; }
    this._signals.clear();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { if (ws.readyState === 0 || ws.readyState === 1) ws.close(1000); } catch (_) { /* already closing */ }
    }
    for (const room of this.rooms.values()) room.joined = false;
    for (const sheet of this.sheets.values()) {
      if (sheet.syncing) { sheet.syncing.reject(new GridlineError('DISCONNECTED', 'connection lost')); sheet.syncing = null; }
    }
    for (const [id, entry] of this._pending) {
      this._clearTimeout(entry.timer);
      this._pending.delete(id);
      if (!entry.edit) entry.reject(new GridlineError('DISCONNECTED', 'connection lost before the answer'));
    }
    for (const [id, job] of this._ai) {
      this._clearTimeout(job.timer);
      this._ai.delete(id);
      job.reject(new GridlineError('DISCONNECTED', 'connection lost; see GET /api/v1/ai/jobs/' + id));
    }
  }

  async _tokenRefused() {
    if (!this._fetch) return false;
    try {
      const answer = await this._fetch(this.restBase + '/api/v1/notifications?unread=true',
        { headers: { Authorization: 'Bearer ' + this.token } });
      return answer.status === 401;
    } catch (_) {
      return false; // the server is unreachable: that is a reason to retry, not to stop
    }
  }

  _scheduleReconnect(code) {
    if (this.stopped || this._reconnectTimer) return;
    let delay = backoffDelay(this._attempt++, this._random, this.backoffBase, this.backoffCap);
    // 1013 "Try again later": the server asked for patience, so never retry sooner than the cap's half.
    if (code === 1013) delay = Math.max(delay, this.backoffCap / 2) + backoffDelay(this._attempt, this._random, this.backoffBase, this.backoffCap);
    this.nextRetryDelay = delay;
    this._reconnectTimer = this._setTimeout(() => this._open(), delay);
  }

  _stop(reason, code) {
    if (this.stopped) return;
    this.stopped = true;
    this.stopReason = reason;
    if (this._reconnectTimer) { this._clearTimeout(this._reconnectTimer); this._reconnectTimer = null; }
    this._abandonSocket();
    for (const entry of this._outbox) entry.reject(new GridlineError('CLOSED', 'client stopped: ' + reason));
    this._outbox = [];
    this._setState('offline', reason);
    this._emit('stopped', { reason, code });
    for (const w of this._readyWaiters.splice(0)) w.reject(new GridlineError('CLOSED', reason, { code }));
  }

  /** Heartbeat: app-level `ping` when nothing arrived for a while, and a dead link is abandoned. */
  _heartbeat() {
    this._heartbeatTimer = null;
    if (!this._ws) return;
    const idle = this._now() - this._lastFrameAt;
    if (idle >= this.pingTimeout) {
      this._linkLost(1006, 'no frame for ' + idle + ' ms');
      return;
    }
    if (idle >= this.heartbeatInterval / 2) this._send({ type: 'ping' });
    this._heartbeatTimer = this._setTimeout(() => this._heartbeat(), Math.max(50, Math.min(this.heartbeatInterval / 4, 5000)));
  }

  _send(message) {
    if (!this._ws || this._ws.readyState !== 1) return false;
    this._ws.send(JSON.stringify(message));
    return true;
  }

  _newRequestId(kind) { return `${kind}-${this._ids}-${++this._nextId}`; }

  /**
   * Sends a message and resolves with the reply that carries its `request_id` (an `error`
   * reply rejects with a GridlineError). Fails with DISCONNECTED when offline.
   */
  request(message, { timeout = this.requestTimeout } = {}) {
    const request_id = message.request_id || this._newRequestId(message.type || 'r');
    const full = { ...message, request_id };
    return new Promise((resolve, reject) => {
      if (!this._established) return reject(new GridlineError('DISCONNECTED', 'not connected'));
      const entry = { resolve, reject, timer: null };
      entry.timer = this._setTimeout(() => {
        this._pending.delete(request_id);
        reject(new GridlineError('TIMEOUT', `${message.type} got no answer within ${timeout} ms`));
      }, timeout);
      this._pending.set(request_id, entry);
      this._send(full);
    });
  }

  // ---- incoming -----------------------------------------------------------------------------

  _onFrame(text) {
    let m;
    try { m = JSON.parse(text); } catch (_) { return; }
    if (!m || typeof m.type !== 'string') return;
    switch (m.type) {
      case 'connection_established': this._onEstablished(m); break;
      case 'room_state': this._onRoomState(m); break;
      case 'user_joined': this._presenceOf(m.room_id, m.user && m.user.user_id, m.user); break;
      case 'user_left': this._dropPresence(m.room_id, m.user_id); break;
      case 'room_left': case 'room_closed': this.rooms.delete(m.room_id); this._emit('presence', { room: m.room_id, users: [] }); break;
      case 'cursor_moved': this._onCursor(m); break;
      case 'user_typing_start': this._onTyping(m, true); break;
      case 'user_typing_stop': this._onTyping(m, false); break;
      case 'user_status_changed': this._onStatus(m); break;
      case 'cell_updated': this._onCells(m.sheet_id, [m], m); break;
      case 'cells_updated': this._onCells(m.sheet_id, m.cells || [], m); break;
      case 'sheet_state': this._onSheetState(m); break;
      case 'sync_complete': this._onSyncComplete(m); break;
      case 'notifications_subscribed': this._onNotificationList(m.unread || []); break;
      case 'notification_event': this._onNotificationEvent(m); break;
      case 'ai_event': this._onAIEvent(m); break;
      case 'file_upload_progress': case 'file_upload_complete': this._emit('upload', { message: m }); break;
      case 'error': if (!m.request_id || !this._pending.has(m.request_id)) this._onUnmatchedError(m); break;
      default: break;
    }
    if (m.request_id && this._pending.has(m.request_id)) {
      const entry = this._pending.get(m.request_id);
      this._pending.delete(m.request_id);
      this._clearTimeout(entry.timer);
      if (m.type === 'error') entry.reject(new GridlineError(m.code, m.error || m.code, m));
      else entry.resolve(m);
    }
    this._emit('message', m);
  }

  _onEstablished(m) {
    this._established = true;
    this._everConnected = true;
    this._attempt = 0;
    this.user = m.user;
    this.connectionId = m.connection_id;
    this.limits = m.limits || {};
    this.heartbeatInterval = m.heartbeat_interval || 25000;
    this.pingTimeout = this.pingTimeoutOption ?? this.heartbeatInterval * 2 + 10000;
    this._touch();
    this._heartbeatTimer = this._setTimeout(() => this._heartbeat(), Math.max(50, Math.min(this.heartbeatInterval / 4, 5000)));
    this._setState('connected');
    for (const w of this._readyWaiters.splice(0)) w.resolve(this);
    this._resync();
  }

  /** After (re)connecting: rejoin every room, bring every sheet up to date, then send queued edits. */
  async _resync() {
    const ws = this._ws;
    try {
      if (this._notificationFilters) this.request({ type: 'subscribe_notifications', ...this._notificationFilters }).catch(() => {});
      // One room that cannot be rejoined (deleted, no longer allowed) must not hold back the rest.
      const outcomes = await Promise.allSettled([...this.rooms.keys()].map((room) => this._joinAndLoad(room)));
      if (this._ws !== ws) return;
      this._synced = true;
      this._pump();
      for (const o of outcomes) {
        if (o.status === 'rejected' && o.reason && o.reason.code !== 'DISCONNECTED') this._emit('error', { message: { code: o.reason.code, error: o.reason.message } });
      }
    } catch (e) {
      if (this._ws === ws && !(e instanceof GridlineError && e.code === 'DISCONNECTED')) this._emit('error', { message: { code: e.code, error: e.message } });
    }
  }

  /** One join per room and connection, however many callers wait for it. */
  _joinAndLoad(roomId) {
    const room = this._room(roomId);
    if (room.loading && room.loadingSocket === this._ws) return room.loading;
    room.loadingSocket = this._ws;
    room.loading = (async () => {
      const state = await this.request({ type: 'join_room', room_id: roomId });
      await Promise.all(state.active_sheets.map((id) => this._loadSheet(id, roomId)));
      return state;
    })();
    room.loading.catch(() => { room.loading = null; });
    return room.loading;
  }

  /** Snapshot a sheet never loaded; `sync` one we hold from its last applied seq. */
  _loadSheet(sheetId, roomId) {
    let sheet = this.sheets.get(sheetId);
    if (!sheet) { sheet = new SheetStore(sheetId, roomId); this.sheets.set(sheetId, sheet); }
    if (sheet.syncing) return sheet.syncing.promise;
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    const timer = this._setTimeout(() => {
      if (sheet.syncing && sheet.syncing.promise === promise) { sheet.syncing = null; reject(new GridlineError('TIMEOUT', 'sync of ' + sheetId + ' timed out')); }
    }, this.requestTimeout * 3);
    sheet.syncing = { promise, resolve: (v) => { this._clearTimeout(timer); resolve(v); }, reject: (e) => { this._clearTimeout(timer); reject(e); } };
    promise.catch(() => {});
    if (sheet.seq === null) this._send({ type: 'sheet_snapshot', sheet_id: sheetId });
    else this._send({ type: 'sync', sheet_id: sheetId, since_seq: sheet.seq });
    return promise;
  }

  _onRoomState(m) {
    const room = this._room(m.room_id);
    room.joined = true;
    room.sheets = m.active_sheets || [];
    room.users = new Map();
    for (const u of m.users || []) room.users.set(u.user_id, { ...u, typing: null });
    this._emit('presence', { room: m.room_id, users: [...room.users.values()] });
  }

  _room(roomId) {
    if (!this.rooms.has(roomId)) this.rooms.set(roomId, { users: new Map(), sheets: [], joined: false });
    return this.rooms.get(roomId);
  }

  _presenceOf(roomId, userId, fields) {
    if (!userId) return null;
    const room = this._room(roomId);
    const old = room.users.get(userId) || { user_id: userId, username: userId, status: 'online', cursor: null, typing: null };
    const next = { ...old, ...(fields || {}) };
    room.users.set(userId, next);
    this._emit('presence', { room: roomId, users: [...room.users.values()] });
    return next;
  }

  _dropPresence(roomId, userId) {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.users.delete(userId);
    this._emit('presence', { room: roomId, users: [...room.users.values()] });
  }

  _onCursor(m) {
    const room = this.rooms.get(m.room);
    if (!room) return;
    const p = room.users.get(m.user_id) || { user_id: m.user_id, username: m.username, status: 'online', typing: null };
    room.users.set(m.user_id, { ...p, username: m.username || p.username, cursor: m.cursor });
    this._emit('cursor', { room: m.room, user_id: m.user_id, username: m.username, cursor: m.cursor, meta: m.meta });
  }

  _onTyping(m, active) {
    const room = this.rooms.get(m.room);
    if (!room) return;
    const key = m.room + '\u0000' + m.user_id;
    if (this._typingTimers.has(key)) { this._clearTimeout(this._typingTimers.get(key)); this._typingTimers.delete(key); }
    const p = room.users.get(m.user_id);
    if (p) room.users.set(m.user_id, { ...p, typing: active ? m.cell_id : null });
    this._emit('typing', { room: m.room, user_id: m.user_id, username: m.username, cell_id: m.cell_id, active });
    // A lost stop must not leave an indicator forever: expire it locally too.
    if (active) this._typingTimers.set(key, this._setTimeout(() => this._onTyping({ ...m }, false), this.typingExpiry));
  }

  _onStatus(m) {
    for (const [roomId, room] of this.rooms) {
      if (room.users.has(m.user_id)) this._presenceOf(roomId, m.user_id, { status: m.status });
    }
  }

  _onUnmatchedError(m) {
    // Errors about an AI job arrive as `error` with the job's request_id, not as an ai_event.
    if (m.request_id && this._settleAIError(m)) return;
    this._emit('error', { message: m });
  }

  // ---- cells: apply by seq ------------------------------------------------------------------

  _onCells(sheetId, cells, m) {
    const sheet = this.sheets.get(sheetId);
    if (!sheet) return;
    const meta = { user_id: m.user_id, username: m.username, recalculated: !!m.recalculated, cause_seq: m.cause_seq, request_id: m.request_id };
    for (const c of cells) {
      if (typeof c.seq !== 'number') continue;
      if (sheet.seq !== null && c.seq <= sheet.seq) continue;
      sheet.ahead.set(c.seq, { cell: c, meta });
    }
    this._drain(sheet, !!sheet.syncing);
    if (m.type === 'cell_updated' && m.request_id) this._settleRecoveredEdit(m);
  }

  /** Applies every consecutive update held in `ahead`; a remaining gap asks the server to sync. */
  _drain(sheet, replay) {
    if (sheet.seq === null) return;
    for (const seq of sheet.ahead.keys()) if (seq <= sheet.seq) sheet.ahead.delete(seq);
    const groups = [];
    while (sheet.ahead.has(sheet.seq + 1)) {
      const { cell, meta } = sheet.ahead.get(sheet.seq + 1);
      sheet.ahead.delete(sheet.seq + 1);
      sheet.seq += 1;
      const stored = {
        cell_id: cell.cell_id, value: cell.value ?? null, formula: cell.formula ?? null, version: cell.version,
        error: cell.error ?? null, updated_by: cell.updated_by || cell.user_id || meta.user_id,
        updated_at: cell.updated_at || null, seq: cell.seq,
      };
      sheet.cells.set(cell.cell_id, stored);
      const last = groups[groups.length - 1];
      if (last && last.meta === meta) last.cells.push(stored);
      else groups.push({ meta, cells: [stored] });
    }
    for (const g of groups) {
      this._emit('cells', { sheet_id: sheet.id, cells: g.cells, user_id: g.meta.user_id, username: g.meta.username,
        recalculated: g.meta.recalculated, cause_seq: g.meta.cause_seq, replay });
    }
    if (sheet.ahead.size > 0 && !sheet.syncing && this._established) {
      this._loadSheet(sheet.id, sheet.roomId).catch(() => {});
    }
  }

  _onSheetState(m) {
    let sheet = this.sheets.get(m.sheet_id);
    if (!sheet) return;
    sheet.cells = new Map();
    for (const c of m.cells || []) sheet.cells.set(c.cell_id, { ...c, value: c.value ?? null, formula: c.formula ?? null, error: c.error ?? null });
    sheet.seq = m.seq;
    this._emit('sheet', { sheet_id: sheet.id, seq: sheet.seq });
    this._finishSync(sheet);
  }

  _onSyncComplete(m) {
    const sheet = this.sheets.get(m.sheet_id);
    if (sheet) this._finishSync(sheet);
  }

  _finishSync(sheet) {
    const syncing = sheet.syncing;
    sheet.syncing = null;
    this._drain(sheet, false);
    this._emit('synced', { sheet_id: sheet.id, seq: sheet.seq });
    if (syncing) syncing.resolve(sheet);
  }

  // ---- rooms --------------------------------------------------------------------------------

  /** Joins a room and loads its sheets; rejoined automatically after every reconnect. */
  async join(roomId) {
    this._room(roomId);
    if (!this._established) await this.ready();
    await this._joinAndLoad(roomId);
    return this._roomView(roomId);
  }

  _roomView(roomId) {
    const room = this.rooms.get(roomId);
    return { room_id: roomId, users: [...room.users.values()], active_sheets: room.sheets };
  }

  async leave(roomId) {
    const answer = this._established ? this.request({ type: 'leave_room', room_id: roomId }).catch(() => null) : null;
    this.rooms.delete(roomId);
    return answer;
  }

  /** @returns {SheetStore|undefined} */
  sheet(sheetId) { return this.sheets.get(sheetId); }

  /** @returns {Presence[]} */
  presence(roomId) { const r = this.rooms.get(roomId); return r ? [...r.users.values()] : []; }

  // ---- edits (queued while offline) ---------------------------------------------------------

  /**
   * Writes one cell with compare-and-set on `version` (the version the cell had when editing
   * began; omit it for last-writer-wins). Resolves with the `cell_updated` the server
   * broadcast; rejects with a GridlineError (VERSION_CONFLICT carries `.current`). Made while
   * offline, the edit is queued and sent after the resync.
   */
  updateCell(sheetId, cellId, { value = null, formula = null } = {}, { version } = {}) {
    const message = { type: 'cell_update', sheet_id: sheetId, cell_id: cellId, value };
    if (formula) message.formula = formula;
    if (version !== undefined && version !== null) message.version = version;
    return this._enqueue(message, [{ cell_id: cellId, value, formula: formula || null, version: message.version }]);
  }

  /** Writes up to 1000 cells at once, all or nothing: `updates` = [{cell_id, value, formula?, version?}]. */
  updateCells(sheetId, updates) {
    const message = { type: 'cells_update', sheet_id: sheetId, updates: updates.map((u) => {
      const out = { cell_id: u.cell_id, value: u.value ?? null };
      if (u.formula) out.formula = u.formula;
      if (u.version !== undefined && u.version !== null) out.version = u.version;
      return out;
    }) };
    return this._enqueue(message, message.updates.map((u) => ({ cell_id: u.cell_id, value: u.value, formula: u.formula || null, version: u.version })));
  }

  /** Edits waiting to be sent or answered (for an app's "pending" display). */
  get pendingEdits() { return this._outbox.map((e) => ({ ...e.message })); }

  _enqueue(message, cells) {
    return new Promise((resolve, reject) => {
      const request_id = this._newRequestId('edit');
      this._outbox.push({ message: { ...message, request_id }, cells, resolve, reject, sent: false, maybeApplied: false });
      this._pump();
    });
  }

  /** Sends queued edits in order once synced; an edit waits while an earlier one on its cell is unanswered. */
  _pump() {
    if (!this._established || !this._synced) return;
    const busy = new Set(this._inflightCells);
    for (const entry of this._outbox) {
      if (entry.sent) continue;
      const keys = entry.cells.map((c) => entry.message.sheet_id + '!' + c.cell_id);
      if (keys.some((k) => busy.has(k))) { keys.forEach((k) => busy.add(k)); continue; }
      keys.forEach((k) => busy.add(k));
      if (entry.maybeApplied && this._alreadyApplied(entry)) { this._finishEdit(entry, null); continue; }
      this._rebase(entry);
      this._sendEdit(entry, keys);
    }
    this._outbox = this._outbox.filter((e) => !e.done);
  }

  /** A later edit of ours based on the version our earlier edit replaced moves onto the new version. */
  _rebase(entry) {
    const sheetId = entry.message.sheet_id;
    const fix = (u) => {
      const own = this._ownVersions.get(sheetId + '!' + u.cell_id);
      if (own && u.version === own.from) u.version = own.to;
    };
    if (entry.message.type === 'cell_update') {
      const u = { cell_id: entry.message.cell_id, version: entry.message.version };
      fix(u);
      if (u.version !== undefined) entry.message.version = u.version;
    } else entry.message.updates.forEach(fix);
  }

  /** An edit sent before the link dropped may have been committed: our value, by us, past the base. */
  _alreadyApplied(entry) {
    const sheet = this.sheets.get(entry.message.sheet_id);
    if (!sheet || !this.user) return false;
    return entry.cells.every((u) => {
      const c = sheet.get(u.cell_id);
      return c && c.updated_by === this.user.user_id && c.version > (u.version ?? -1)
        && JSON.stringify(c.value) === JSON.stringify(u.value) && (c.formula || null) === (u.formula || null);
    }) && entry.cells.every((u) => u.version !== undefined);
  }

  _sendEdit(entry, keys) {
    entry.sent = true;
    keys.forEach((k) => this._inflightCells.add(k));
    entry.keys = keys;
    const id = entry.message.request_id;
    const settle = () => { keys.forEach((k) => this._inflightCells.delete(k)); };
    const pending = {
      edit: entry,
      timer: this._setTimeout(() => {
        this._pending.delete(id);
        settle();
        this._finishEdit(entry, new GridlineError('TIMEOUT', 'no answer to ' + entry.message.type));
        this._pump();
      }, this.requestTimeout),
      resolve: (m) => { settle(); this._recordOwnVersions(entry, m); this._finishEdit(entry, null, m); this._pump(); },
      reject: (e) => {
        settle();
        if (e.code === 'VERSION_CONFLICT') this._emit('conflict', { sheet_id: entry.message.sheet_id, edit: entry.message, current: e.current, conflicts: e.conflicts });
        this._finishEdit(entry, e);
        this._pump();
      },
    };
    this._pending.set(id, pending);
    this._send(entry.message);
  }

  _recordOwnVersions(entry, m) {
    const sheetId = entry.message.sheet_id;
    const answered = m.type === 'cells_updated' ? m.cells : [m];
    for (const c of answered) {
      const sent = entry.cells.find((u) => u.cell_id === c.cell_id);
      if (sent && sent.version !== undefined) this._ownVersions.set(sheetId + '!' + c.cell_id, { from: sent.version, to: c.version });
    }
  }

  _finishEdit(entry, error, answer) {
    if (entry.done) return;
    entry.done = true;
    this._outbox = this._outbox.filter((e) => e !== entry);
    if (error) entry.reject(error);
    else entry.resolve(answer || { type: 'cell_updated', recovered: true, sheet_id: entry.message.sheet_id });
  }

  /** The link dropped with edits unanswered: back to the queue, to be checked or resent after resync. */
  _requeueInflight() {
    this._inflightCells.clear();
    for (const entry of this._outbox) {
      if (entry.sent && !entry.done) { entry.sent = false; entry.maybeApplied = true; }
    }
  }

  /** A replayed `cell_updated` carrying a request id of ours settles the edit it answers. */
  _settleRecoveredEdit(m) {
    const entry = this._outbox.find((e) => !e.done && e.message.request_id === m.request_id && !this._pending.has(m.request_id));
    if (entry) this._finishEdit(entry, null, m);
  }

  // ---- signals: cursor and typing, throttled to the server's cursor rate ----------------------

  /** Moves this user's cursor; coalesced and sent at most at `limits.cursor_rate`. */
  moveCursor(room, cell, { sheet_id, x = 0, y = 0, meta } = {}) {
    const message = { type: 'cursor_move', room, x, y, cell };
    if (sheet_id) message.sheet_id = sheet_id;
    if (meta) message.meta = meta;
    this._signal('cursor\u0000' + room, message);
  }

  /** Starts or stops this user's typing indicator on a cell. */
  setTyping(room, cellId, active) {
    this._signal('typing\u0000' + room + '\u0000' + cellId, { type: active ? 'typing_start' : 'typing_stop', room, cell_id: cellId });
  }

  _signal(key, message) {
    if (!this._established) return;
    this._signals.set(key, message);
    this._flushSignals();
  }

  _signalInterval() {
    const rate = this.limits.cursor_rate || 30;
    return Math.ceil(1000 / (rate * 0.9));
  }

  _flushSignals() {
    if (this._signalTimer || this._signals.size === 0) return;
    const wait = this._lastSignalAt + this._signalInterval() - this._now();
    if (wait > 0) {
      this._signalTimer = this._setTimeout(() => { this._signalTimer = null; this._flushSignals(); }, wait);
      return;
    }
    const [key, message] = this._signals.entries().next().value;
    this._signals.delete(key);
    this._lastSignalAt = this._now();
    this._send(message);
    if (this._signals.size > 0) this._flushSignals();
  }

  /** Sets this user's status (`online`, `away`, `busy`). */
  setStatus(status) { this._send({ type: 'status_update', status }); }

  // ---- notifications ------------------------------------------------------------------------

  /** Subscribes (again after every reconnect) and resolves with the unread backlog. */
  async subscribeNotifications(filters = {}) {
    this._notificationFilters = filters;
    const answer = await this.request({ type: 'subscribe_notifications', ...filters });
    return answer.unread || [];
  }

  _onNotificationList(list) {
    for (const n of list) this.notifications.set(n.id || n.notification_id, n);
    this._emitNotifications();
  }

  _onNotificationEvent(m) {
    if (m.event_type === 'notification_read') {
      const n = this.notifications.get(m.notification_id);
      if (n) this.notifications.set(m.notification_id, { ...n, read_at: n.read_at || new Date().toISOString() });
    } else if (m.notification) {
      this.notifications.set(m.notification.id || m.notification.notification_id, m.notification);
    }
    this._emit('notification', { event: m });
    this._emitNotifications();
  }

  _emitNotifications() {
    const list = [...this.notifications.values()].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    this._emit('notifications', { list, unread: list.filter((n) => !n.read_at).length });
  }

  /** Marks a notification read (persisted; the user's other connections hear of it). */
  markNotificationRead(notificationId) {
    const n = this.notifications.get(notificationId);
    if (n) this.notifications.set(notificationId, { ...n, read_at: new Date().toISOString() });
    this._send({ type: 'notification_read', notification_id: notificationId });
    this._emitNotifications();
  }

  // ---- AI -----------------------------------------------------------------------------------

  /**
   * Starts an analysis; `onEvent` sees every `ai_event` (progress: `event.data.progress`).
   * Resolves with the `ai_complete` data; rejects on `ai_error`, `ai_cancelled` or an error.
   * @returns {Promise<any> & {request_id: string}}
   */
  analyse({ query, sheet_id, table_range }, { onEvent, timeout = 60000 } = {}) {
    const request_id = this._newRequestId('ai');
    const promise = new Promise((resolve, reject) => {
      if (!this._established) return reject(new GridlineError('DISCONNECTED', 'not connected'));
      const job = { resolve, reject, onEvent, timeout, timer: null };
      job.arm = () => {
        this._clearTimeout(job.timer);
        job.timer = this._setTimeout(() => { this._ai.delete(request_id); reject(new GridlineError('TIMEOUT', 'AI job went silent')); }, timeout);
      };
      job.arm();
      this._ai.set(request_id, job);
      const message = { type: 'ai_request', request_id, query, sheet_id };
      if (table_range) message.context = { table_range };
      this._send(message);
    });
    promise.request_id = request_id;
    return promise;
  }

  cancelAnalysis(requestId) { this._send({ type: 'ai_cancel', request_id: requestId }); }

  _onAIEvent(m) {
    this._emit('ai', { event: m });
    const job = this._ai.get(m.request_id);
    if (!job) return;
    job.arm();
    if (job.onEvent) { try { job.onEvent(m); } catch (_) { /* the app's problem */ } }
    const end = { ai_complete: 'ok', ai_error: 'AI_ERROR', ai_cancelled: 'AI_CANCELLED' }[m.event_type];
    if (!end) return;
    this._clearTimeout(job.timer);
    this._ai.delete(m.request_id);
    if (end === 'ok') job.resolve(m.data);
    else job.reject(new GridlineError(end, (m.data && (m.data.error || m.data.message)) || m.event_type, m));
  }

  _settleAIError(m) {
    const job = this._ai.get(m.request_id);
    if (!job) return false;
    this._clearTimeout(job.timer);
    this._ai.delete(m.request_id);
    job.reject(new GridlineError(m.code, m.error || m.code, m));
    return true;
  }

  // ---- uploads ------------------------------------------------------------------------------

  /**
   * Uploads a File/Blob: `file_upload_start`, then `PUT upload_url` with XHR so `onProgress`
   * ({loaded, total, percentage}) sees bytes leave. Resolves with {file_id, url, ...}.
   */
  async upload(file, { room, fileId, onProgress } = {}) {
    const start = { type: 'file_upload_start', filename: file.name || 'upload', file_size: file.size, mime_type: file.type || 'application/octet-stream' };
    if (room) start.room = room;
    if (fileId) start.file_id = fileId;
    const started = await this.request(start);
    return new Promise((resolve, reject) => {
      const xhr = new this._XHR();
      xhr.open('PUT', this.restBase + started.upload_url);
      xhr.setRequestHeader('Authorization', 'Bearer ' + this.token);
      if (xhr.upload && onProgress) {
        xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.total || file.size,
          percentage: Math.round((100 * e.loaded) / (e.total || file.size || 1)) });
      }
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          let body = {};
          try { body = JSON.parse(xhr.responseText || '{}'); } catch (_) { /* not JSON */ }
          resolve({ file_id: started.file_id, url: started.upload_url, ...body });
        } else reject(new GridlineError('UPLOAD_FAILED', `upload answered ${xhr.status}`, { status: xhr.status }));
      };
      xhr.onerror = () => reject(new GridlineError('UPLOAD_FAILED', 'upload failed'));
      xhr.send(file);
    });
  }
}

export default Gridline;
