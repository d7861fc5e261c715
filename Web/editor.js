// The collaborative table editor at / (SPEC §13), built on gridline.js. Every value reaches
// the page through textContent or an input's value, never as markup.
import { Gridline, parseInput } from '/client/gridline.js';

const COLUMNS = 26;
const ROWS = 200;
const TYPING_REFRESH_MS = 1500;

const params = new URLSearchParams(location.search);
const token = params.get('token');
const roomId = params.get('room') || 'demo';
const $ = (selector) => document.querySelector(selector);

/** Timings the browser tests read (reported, not asserted), in ms since navigation start. */
const timings = { gridBuiltMs: null, connectedMs: null, joinedMs: null, renderMs: null, gridReadyMs: null, lastApply: null };
window.gridlineEditor = { timings };

const columnName = (index) => String.fromCharCode(65 + index);
const cellName = (col, row) => columnName(col) + (row + 1);
function parseCellName(id) {
  const match = /^([A-Z])([0-9]+)$/.exec(id);
  return match ? { col: match[1].charCodeAt(0) - 65, row: Number(match[2]) - 1 } : null;
}

/** A stable colour per user id. */
function colourOf(userId) {
  let hash = 0;
  for (const ch of String(userId)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return `hsl(${hash % 360} 65% 40%)`;
}

/** The text a cell shows: its error, else its value. */
function displayText(cell) {
  if (!cell) return '';
  if (cell.error) return String(cell.error);
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (v === true) return 'TRUE';
  if (v === false) return 'FALSE';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The text an edit of a cell starts from: its formula, else its value. */
function sourceText(cell) {
  if (!cell) return '';
  if (cell.formula) return cell.formula;
  return displayText({ value: cell.value });
}

if (!token) {
  $('#token-form').hidden = false;
  $('#room-input').value = roomId;
  $('[data-connection-state]').textContent = 'offline';
} else {
  main().catch((e) => showNotice('Could not open the editor: ' + e.message));
}

function showNotice(text) {
  const notice = $('#notice');
  notice.textContent = text;
  notice.hidden = !text;
}

async function main() {
  $('#app').hidden = false;
  $('#room-name').textContent = roomId;
  const g = new Gridline({ token });
  window.gridlineEditor.client = g;
  const indicator = $('[data-connection-state]');
  g.on('state', ({ state, reason }) => {
    indicator.textContent = state;
    indicator.dataset.state = state;
    if (state === 'connected' && timings.connectedMs === null) timings.connectedMs = performance.now();
    if (state === 'offline') showNotice('Disconnected for good: ' + (reason || '') + '. Reload with a valid token.');
  });
  // Connect first, so the handshake overlaps building the grid.
  g.start();
  const grid = buildGrid();
  timings.gridBuiltMs = performance.now();
  const room = await g.join(roomId);
  timings.joinedMs = performance.now();
  const sheetId = room.active_sheets[0];
  if (!sheetId) { showNotice('This room has no sheet.'); return; }
  $('#sheet-name').textContent = sheetId;
  const editor = new SheetEditor(g, grid, sheetId);
  window.gridlineEditor.editor = editor;
  const renderStart = performance.now();
  editor.renderAll();
  timings.renderMs = performance.now() - renderStart;
  timings.gridReadyMs = performance.now();
  performance.mark('gridline:grid-ready');
  wireSidePanels(g, sheetId);
}

/**
 * Builds the whole 26 × 200 grid once as ARIA grid rows of divs. Every cell exists in the DOM
 * (so `[data-cell]` always finds it), but each row has `content-visibility: auto`, so the
 * browser lays out and paints only the rows on screen: a full table layout of 5,200 cells
 * measured 200–600 ms here, the visible rows a few ms.
 */
function buildGrid() {
  const table = $('#grid');
  table.setAttribute('aria-rowcount', String(ROWS + 1));
  table.setAttribute('aria-colcount', String(COLUMNS + 1));
  const headRow = document.createElement('div');
  headRow.className = 'row head';
  headRow.setAttribute('role', 'row');
  const corner = document.createElement('div');
  corner.className = 'corner';
  corner.setAttribute('role', 'columnheader');
  headRow.appendChild(corner);
  for (let c = 0; c < COLUMNS; c++) {
    const th = document.createElement('div');
    th.className = 'colhead';
    th.setAttribute('role', 'columnheader');
    th.textContent = columnName(c);
    headRow.appendChild(th);
  }
  const fragment = document.createDocumentFragment();
  fragment.appendChild(headRow);
  const cells = new Map();
  for (let r = 0; r < ROWS; r++) {
    const tr = document.createElement('div');
    tr.className = 'row';
    tr.setAttribute('role', 'row');
    tr.setAttribute('aria-rowindex', String(r + 2));
    const th = document.createElement('div');
    th.className = 'rowhead';
    th.setAttribute('role', 'rowheader');
    th.textContent = String(r + 1);
    tr.appendChild(th);
    for (let c = 0; c < COLUMNS; c++) {
      const td = document.createElement('div');
      const id = cellName(c, r);
      td.className = 'cell';
      td.dataset.cell = id;
      td.id = 'cell-' + id;
      td.setAttribute('role', 'gridcell');
      tr.appendChild(td);
      cells.set(id, td);
    }
    fragment.appendChild(tr);
  }
  table.appendChild(fragment);
  return { table, cells };
}

/** The grid's behaviour: selection, editing, paste, remote cursors, conflicts. */
class SheetEditor {
  constructor(g, grid, sheetId) {
    this.g = g;
    this.table = grid.table;
    this.tds = grid.cells;
    this.sheetId = sheetId;
    this.active = { col: 0, row: 0 };
    this.editing = null; // {cellId, base, source: 'grid'|'bar', replace}
    this.pending = new Map(); // cellId → text shown until the server answers
    this.conflict = null;
    this.cursors = new Map(); // userId → element
    this.typingAt = new Map(); // userId → cellId
    this.lastTypingSent = -Infinity;
    this.scroll = $('#grid-scroll');
    this.input = $('#cell-editor');
    this.bar = $('#formula-bar');
    this.bind();
    this.select(0, 0, { quiet: true });
  }

  get sheet() { return this.g.sheet(this.sheetId); }
  get activeId() { return cellName(this.active.col, this.active.row); }

  renderAll() {
    for (const [id, td] of this.tds) this.renderCell(id, td);
    this.refreshBar();
    this.renderPresence();
  }

  renderCell(id, td = this.tds.get(id)) {
    if (!td) return;
    const cell = this.sheet && this.sheet.get(id);
    const text = this.pending.has(id) ? this.pending.get(id) : displayText(cell);
    if (td.textContent !== text) td.textContent = text;
    td.classList.toggle('pending', this.pending.has(id));
    td.classList.toggle('error-value', !!(cell && cell.error));
    td.classList.toggle('number', !!cell && typeof cell.value === 'number' && !this.pending.has(id));
  }

  refreshBar() {
    $('#active-cell-label').textContent = this.activeId;
    if (this.editing && this.editing.source === 'bar') return;
    this.bar.value = sourceText(this.sheet && this.sheet.get(this.activeId));
  }

  bind() {
    const g = this.g;
    g.on('cells', ({ sheet_id, cells }) => {
      if (sheet_id !== this.sheetId) return;
      const t0 = performance.now();
      for (const c of cells) this.renderCell(c.cell_id);
      if (cells.some((c) => c.cell_id === this.activeId)) this.refreshBar();
      timings.lastApply = { cells: cells.length, ms: performance.now() - t0 };
    });
    g.on('sheet', ({ sheet_id }) => { if (sheet_id === this.sheetId) this.renderAll(); });
    g.on('presence', ({ room }) => { if (room === roomId) this.renderPresence(); });
    g.on('cursor', ({ room }) => { if (room === roomId) this.renderCursors(); });
    g.on('typing', ({ room }) => { if (room === roomId) { this.renderCursors(); this.renderTyping(); } });

    this.table.addEventListener('mousedown', (e) => {
      const td = e.target.closest('.cell[data-cell]');
      if (!td) return;
      e.preventDefault();
      if (this.editing) this.commit();
      const p = parseCellName(td.dataset.cell);
      this.select(p.col, p.row);
      this.table.focus();
    });
    this.table.addEventListener('dblclick', (e) => {
      const td = e.target.closest('.cell[data-cell]');
      if (td) this.beginEdit({ replace: false });
    });
    this.table.addEventListener('keydown', (e) => this.onGridKey(e));
    this.table.addEventListener('paste', (e) => this.onPaste(e));
    document.addEventListener('paste', (e) => { if (document.activeElement === document.body) this.onPaste(e); });
    this.table.addEventListener('copy', (e) => {
      e.clipboardData.setData('text/plain', displayText(this.sheet && this.sheet.get(this.activeId)));
      e.preventDefault();
    });

    this.input.addEventListener('keydown', (e) => this.onEditorKey(e, this.input));
    this.input.addEventListener('input', () => this.typed());
    this.input.addEventListener('blur', () => { if (this.editing && this.editing.source === 'grid') this.commit({ keepFocus: false }); });

    this.bar.addEventListener('focus', () => {
      if (!this.editing) this.editing = { cellId: this.activeId, base: this.baseVersion(this.activeId), source: 'bar' };
    });
    this.bar.addEventListener('input', () => this.typed());
    this.bar.addEventListener('keydown', (e) => this.onEditorKey(e, this.bar));
    this.bar.addEventListener('blur', () => {
      if (this.editing && this.editing.source === 'bar') {
        const cell = this.sheet && this.sheet.get(this.editing.cellId);
        if (this.bar.value !== sourceText(cell)) this.commit({ keepFocus: false });
        else this.endEdit(false);
      }
    });

    $('#keep-mine').addEventListener('click', () => this.resolveConflict(true));
    $('#take-theirs').addEventListener('click', () => this.resolveConflict(false));
    window.addEventListener('resize', () => this.renderCursors());
  }

  baseVersion(cellId) { return this.sheet ? this.sheet.version(cellId) : 0; }

  select(col, row, { quiet = false } = {}) {
    col = Math.max(0, Math.min(COLUMNS - 1, col));
    row = Math.max(0, Math.min(ROWS - 1, row));
    const old = this.tds.get(this.activeId);
    if (old) { old.classList.remove('active'); old.removeAttribute('aria-selected'); }
    this.active = { col, row };
    const td = this.tds.get(this.activeId);
    td.classList.add('active');
    td.setAttribute('aria-selected', 'true');
    this.table.setAttribute('aria-activedescendant', td.id);
    td.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    this.refreshBar();
    if (!quiet) this.g.moveCursor(roomId, this.activeId, { sheet_id: this.sheetId, x: col, y: row });
  }

  move(dc, dr) { this.select(this.active.col + dc, this.active.row + dr); }

  onGridKey(e) {
    if (this.editing) return;
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (moves[e.key]) { e.preventDefault(); this.move(...moves[e.key]); return; }
    if (e.key === 'Tab') { e.preventDefault(); this.move(e.shiftKey ? -1 : 1, 0); return; }
    if (e.key === 'Enter' || e.key === 'F2') { e.preventDefault(); this.beginEdit({ replace: false }); return; }
    if (e.key === 'Delete' || e.key === 'Backspace') { e.preventDefault(); this.write(this.activeId, '', this.baseVersion(this.activeId)); return; }
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      this.beginEdit({ replace: true, initial: e.key });
    }
  }

  beginEdit({ replace, initial = '' }) {
    const cellId = this.activeId;
    const td = this.tds.get(cellId);
    // The edit's base is the version the cell had when editing began (SPEC §6).
    this.editing = { cellId, base: this.baseVersion(cellId), source: 'grid', replace };
    const box = td.getBoundingClientRect();
    const outer = this.scroll.getBoundingClientRect();
    this.input.style.left = `${box.left - outer.left + this.scroll.scrollLeft}px`;
    this.input.style.top = `${box.top - outer.top + this.scroll.scrollTop}px`;
    this.input.style.width = `${Math.max(box.width, 120)}px`;
    this.input.style.height = `${box.height}px`;
    this.input.value = replace ? initial : sourceText(this.sheet && this.sheet.get(cellId));
    this.input.hidden = false;
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
    this.bar.value = this.input.value;
    if (replace) this.typed();
  }

  typed() {
    if (!this.editing) return;
    if (this.editing.source === 'grid') this.bar.value = this.input.value;
    const now = performance.now();
    if (now - this.lastTypingSent > TYPING_REFRESH_MS) {
      this.lastTypingSent = now;
      this.g.setTyping(roomId, this.editing.cellId, true);
    }
  }

  onEditorKey(e, field) {
    if (!this.editing) return;
    const arrows = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (e.key === 'Enter') { e.preventDefault(); this.commit(); this.move(0, e.shiftKey ? -1 : 1); }
    else if (e.key === 'Tab') { e.preventDefault(); this.commit(); this.move(e.shiftKey ? -1 : 1, 0); }
    else if (e.key === 'Escape') { e.preventDefault(); this.endEdit(true); }
    else if (arrows[e.key] && field === this.input && this.editing.replace) {
      // Started by typing over the cell: arrows commit and move, as in a spreadsheet.
      e.preventDefault();
      this.commit();
      this.move(...arrows[e.key]);
    }
  }

  /** Sends the edit being made; the grid keeps focus unless told otherwise. */
  commit({ keepFocus = true } = {}) {
    const editing = this.editing;
    if (!editing) return;
    const text = editing.source === 'grid' ? this.input.value : this.bar.value;
    const cell = this.sheet && this.sheet.get(editing.cellId);
    this.endEdit(false, keepFocus);
    if (text === sourceText(cell) && (cell || text === '')) return;
    this.write(editing.cellId, text, editing.base);
  }

  endEdit(cancelled, keepFocus = true) {
    const editing = this.editing;
    this.editing = null;
    this.input.hidden = true;
    if (editing) this.g.setTyping(roomId, editing.cellId, false);
    this.lastTypingSent = -Infinity;
    if (keepFocus) this.table.focus();
    if (cancelled || editing) this.refreshBar();
  }

  write(cellId, text, base) {
    const parsed = parseInput(text);
    this.pending.set(cellId, parsed.formula ? text : displayText({ value: parsed.value }));
    this.renderCell(cellId);
    this.g.updateCell(this.sheetId, cellId, parsed, { version: base })
      .then(() => { this.pending.delete(cellId); this.renderCell(cellId); })
      .catch((e) => {
        this.pending.delete(cellId);
        this.renderCell(cellId);
        if (e.code === 'VERSION_CONFLICT') this.showConflict([{ cell_id: cellId, mine: parsed, current: e.current }]);
        else showNotice(`${cellId} was not saved: ${e.message}`);
      });
  }

  onPaste(e) {
    if (this.editing) return;
    const text = e.clipboardData && e.clipboardData.getData('text/plain');
    if (!text) return;
    e.preventDefault();
    this.pasteText(text);
  }

  /** A tab-separated block lands at the active cell as one `cells_update` per 1,000 cells. */
  pasteText(text) {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const updates = [];
    const mine = new Map();
    lines.forEach((line, r) => line.split('\t').forEach((field, c) => {
      const col = this.active.col + c;
      const row = this.active.row + r;
      if (col >= COLUMNS || row >= ROWS) return;
      const id = cellName(col, row);
      const parsed = parseInput(field);
      updates.push({ cell_id: id, ...parsed, version: this.baseVersion(id) });
      mine.set(id, parsed);
      this.pending.set(id, parsed.formula ? field : displayText({ value: parsed.value }));
      this.renderCell(id);
    }));
    for (let i = 0; i < updates.length; i += 1000) {
      const chunk = updates.slice(i, i + 1000);
      const done = () => chunk.forEach((u) => { this.pending.delete(u.cell_id); this.renderCell(u.cell_id); });
      this.g.updateCells(this.sheetId, chunk).then(done).catch((e) => {
        done();
        if (e.code === 'VERSION_CONFLICT' && e.conflicts) {
          this.showConflict(e.conflicts.map((c) => ({ cell_id: c.cell_id, mine: mine.get(c.cell_id), current: c.current, batch: chunk })));
        } else showNotice('Paste was not saved: ' + e.message);
      });
    }
  }

  showConflict(items) {
    this.conflict = items;
    const first = items[0];
    const by = first.current && first.current.updated_by ? first.current.updated_by : 'someone';
    const theirs = displayText(first.current);
    const text = items.length === 1
      ? `${first.cell_id} was changed by ${by} to “${theirs}” while you were editing. Yours: “${first.mine.formula || displayText({ value: first.mine.value })}”.`
      : `${items.length} cells were changed by others while you were editing.`;
    $('#conflict-text').textContent = text;
    $('[data-conflict]').hidden = false;
  }

  resolveConflict(keepMine) {
    const items = this.conflict || [];
    this.conflict = null;
    $('[data-conflict]').hidden = true;
    if (keepMine) {
      for (const item of items) {
        const current = this.sheet.get(item.cell_id);
        const version = Math.max(current ? current.version : 0, item.current ? item.current.version : 0);
        const text = item.mine.formula || displayText({ value: item.mine.value });
        this.write(item.cell_id, text, version);
      }
    } else {
      for (const item of items) this.renderCell(item.cell_id);
      this.refreshBar();
    }
    this.table.focus();
  }

  renderPresence() {
    const list = $('[data-presence]');
    const users = this.g.presence(roomId);
    const me = this.g.user && this.g.user.user_id;
    const items = users.map((u) => {
      const li = document.createElement('li');
      li.dataset.userId = u.user_id;
      li.textContent = u.user_id === me ? `${u.username || u.user_id} (you)` : (u.username || u.user_id);
      li.style.backgroundColor = colourOf(u.user_id);
      li.title = `${u.username || u.user_id} · ${u.status || 'online'}`;
      return li;
    });
    list.replaceChildren(...items);
    this.renderCursors();
    this.renderTyping();
  }

  /** Outlines each other user's cell in their colour, labelled with their name. */
  renderCursors() {
    const me = this.g.user && this.g.user.user_id;
    const layer = $('#cursor-layer');
    const outer = this.scroll.getBoundingClientRect();
    const seen = new Set();
    for (const u of this.g.presence(roomId)) {
      if (u.user_id === me || !u.cursor || !u.cursor.cell) continue;
      if (u.cursor.sheet_id && u.cursor.sheet_id !== this.sheetId) continue;
      const td = this.tds.get(u.cursor.cell);
      if (!td) continue;
      seen.add(u.user_id);
      let el = this.cursors.get(u.user_id);
      if (!el) {
        el = document.createElement('div');
        el.className = 'remote-cursor';
        el.dataset.remoteCursor = '';
        el.dataset.userId = u.user_id;
        const label = document.createElement('span');
        label.className = 'remote-name';
        el.appendChild(label);
        layer.appendChild(el);
        this.cursors.set(u.user_id, el);
      }
      const colour = colourOf(u.user_id);
      el.dataset.cell = u.cursor.cell;
      el.style.color = colour;
      const label = el.firstChild;
      label.style.backgroundColor = colour;
      label.textContent = (u.username || u.user_id) + (u.typing ? ' ✎' : '');
      el.classList.toggle('typing', !!u.typing);
      const box = td.getBoundingClientRect();
      el.style.left = `${box.left - outer.left + this.scroll.scrollLeft}px`;
      el.style.top = `${box.top - outer.top + this.scroll.scrollTop}px`;
      el.style.width = `${box.width}px`;
      el.style.height = `${box.height}px`;
    }
    for (const [userId, el] of this.cursors) {
      if (!seen.has(userId)) { el.remove(); this.cursors.delete(userId); }
    }
  }

  renderTyping() {
    const me = this.g.user && this.g.user.user_id;
    const items = [];
    for (const u of this.g.presence(roomId)) {
      if (u.user_id === me || !u.typing) continue;
      const li = document.createElement('li');
      li.dataset.typing = '';
      li.dataset.userId = u.user_id;
      li.dataset.cell = u.typing;
      li.textContent = `${u.username || u.user_id} is typing in ${u.typing}…`;
      li.style.color = colourOf(u.user_id);
      items.push(li);
    }
    $('[data-typing-list]').replaceChildren(...items);
  }
}

/** Notifications, AI analysis and uploads. */
function wireSidePanels(g, sheetId) {
  const list = $('[data-notifications]');
  g.on('notifications', ({ list: notifications, unread }) => {
    $('[data-unread-count]').textContent = String(unread);
    list.replaceChildren(...notifications.map((n) => {
      const li = document.createElement('li');
      const id = n.id || n.notification_id;
      li.dataset.notificationId = id;
      li.classList.toggle('unread', !n.read_at);
      const title = document.createElement('strong');
      title.textContent = n.title || '(no title)';
      const message = document.createElement('div');
      message.textContent = n.message || '';
      const meta = document.createElement('small');
      meta.textContent = [n.priority, n.category, n.module_name].filter(Boolean).join(' · ');
      li.append(title, message, meta);
      if (!n.read_at) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = 'Mark read';
        button.setAttribute('aria-label', `Mark “${n.title || ''}” read`);
        button.addEventListener('click', () => g.markNotificationRead(id));
        li.appendChild(button);
      }
      return li;
    }));
  });
  g.subscribeNotifications({}).catch(() => {});

  const progress = $('[data-ai-progress]');
  const status = $('[data-ai-status]');
  const result = $('[data-ai-result]');
  $('#ai-form').addEventListener('submit', (e) => {
    e.preventDefault();
    progress.value = 0;
    result.textContent = '';
    status.textContent = 'Starting…';
    g.analyse({ query: $('#ai-query').value, sheet_id: sheetId, table_range: $('#ai-range').value.trim() }, {
      onEvent: (event) => {
        if (event.event_type === 'ai_progress' && event.data) {
          progress.value = Number(event.data.progress) || 0;
          status.textContent = String(event.data.status || '');
        }
      },
    }).then((data) => {
      progress.value = 100;
      status.textContent = 'Done';
      result.textContent = String(data.result ?? JSON.stringify(data));
    }).catch((err) => { status.textContent = 'Failed: ' + err.message; });
  });

  const uploadProgress = $('[data-upload-progress]');
  const uploadStatus = $('[data-upload-status]');
  $('#upload-input').addEventListener('change', (e) => {
    const file = e.target.files && e.target.files[0];
    if (!file) return;
    uploadProgress.value = 0;
    uploadStatus.textContent = `Uploading ${file.name}…`;
    g.upload(file, { room: roomId, onProgress: (p) => { uploadProgress.value = p.percentage; } })
      .then((done) => { uploadProgress.value = 100; uploadStatus.textContent = `Uploaded ${file.name} → ${done.url}`; })
      .catch((err) => { uploadStatus.textContent = 'Upload failed: ' + err.message; });
  });
}
