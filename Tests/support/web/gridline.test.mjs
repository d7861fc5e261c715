// Unit tests of Web/gridline.js's reconnection and resync logic against a scripted fake server.
// Run: node --test Tests/support/web/ (EndToEndTests/WebClientUnitTests.swift runs it too).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Gridline, GridlineError, backoffDelay, parseInput } from '../../../Web/gridline.js';
import { FakeServer, eventually } from './fake-server.mjs';

function client(server, extra = {}) {
  return new Gridline({ url: 'ws://fake/api/v1/ws', token: 'tok', WebSocket: server.WebSocket, random: () => 0,
    fetch: async () => ({ status: 200 }), requestTimeout: 1000, ...extra });
}

async function joined(server, extra) {
  const g = client(server, extra);
  g.start();
  await g.ready();
  await g.join(server.roomId);
  return g;
}

test('connect passes the token as the bearer subprotocol pair and resolves when established', async () => {
  const server = new FakeServer();
  const g = await Gridline.connect({ url: 'ws://fake/api/v1/ws', token: 'secret-jwt', WebSocket: server.WebSocket });
  assert.deepEqual(server.sockets[0].protocols, ['bearer', 'secret-jwt']);
  assert.equal(g.state, 'connected');
  assert.equal(g.user.user_id, 'alice');
  g.close();
  assert.equal(g.state, 'offline');
});

test('full jitter backoff stays within base·2^attempt and the 10 s cap', () => {
  assert.equal(backoffDelay(0, () => 0.999), 249);
  assert.equal(backoffDelay(3, () => 0.5), 1000);
  assert.equal(backoffDelay(10, () => 0.999), 9990);
  assert.equal(backoffDelay(60, () => 0.999), 9990);
  assert.equal(backoffDelay(5, () => 0), 0);
});

test('parseInput makes formulas, numbers, text and empty cells', () => {
  assert.deepEqual(parseInput('=A1+1'), { value: null, formula: '=A1+1' });
  assert.deepEqual(parseInput('42'), { value: 42, formula: null });
  assert.deepEqual(parseInput('-1.5e3'), { value: -1500, formula: null });
  assert.deepEqual(parseInput('12 apples'), { value: '12 apples', formula: null });
  assert.deepEqual(parseInput(''), { value: null, formula: null });
});

test('a snapshot loads the sheet and live updates apply in seq order exactly once', async () => {
  const server = new FakeServer();
  server.writeUnheard('A1', 1);
  const g = await joined(server);
  assert.equal(g.sheet('sheet-1').seq, 1);
  assert.equal(g.sheet('sheet-1').get('A1').value, 1);
  const applied = [];
  g.on('cells', (e) => applied.push(...e.cells.map((c) => c.seq)));
  const c2 = server.write('A2', 2);
  server.broadcast({ type: 'cell_updated', sheet_id: 'sheet-1', ...c2, user_id: 'bob' }); // a duplicate
  assert.deepEqual(applied, [2]);
  assert.equal(g.sheet('sheet-1').seq, 2);
  g.close();
});

test('a gap in seq holds later updates back and syncs the missing ones before applying', async () => {
  const server = new FakeServer();
  const g = await joined(server);
  const applied = [];
  g.on('cells', (e) => applied.push(...e.cells.map((c) => c.seq)));
  server.writeUnheard('A1', 'missed');
  const c2 = server.write('A2', 'heard');
  assert.equal(c2.seq, 2);
  await eventually(() => g.sheet('sheet-1').seq === 2, 1000, 'sync after gap');
  assert.deepEqual(applied, [1, 2]);
  assert.ok(server.received.some((m) => m.type === 'sync' && m.since_seq === 0));
  assert.equal(g.sheet('sheet-1').get('A1').value, 'missed');
  g.close();
});

test('after a drop the client reconnects, rejoins and syncs from the last applied seq without double-applying', async () => {
  const server = new FakeServer();
  server.writeUnheard('A1', 1);
  const g = await joined(server);
  const states = [];
  g.on('state', (e) => states.push(e.state));
  const applied = [];
  g.on('cells', (e) => applied.push(...e.cells.map((c) => c.seq)));
  server.dropAll(1006);
  server.writeUnheard('B1', 'while away');
  server.writeUnheard('B2', 'also');
  await eventually(() => g.sheet('sheet-1').seq === 3, 2000, 'resync');
  assert.deepEqual(states.slice(0, 2), ['reconnecting', 'connected']);
  assert.deepEqual(applied, [2, 3]);
  const syncs = server.received.filter((m) => m.type === 'sync');
  assert.deepEqual(syncs.map((m) => m.since_seq), [1]);
  assert.equal(server.received.filter((m) => m.type === 'join_room').length, 2);
  g.close();
});

test('edits made offline are queued and sent after the resync with their base versions', async () => {
  const server = new FakeServer();
  server.writeUnheard('A1', 'v1');
  const g = await joined(server);
  server.up = false;
  server.dropAll(1006);
  await eventually(() => g.state === 'reconnecting', 500, 'reconnecting');
  const base = g.sheet('sheet-1').version('C3');
  const edit = g.updateCell('sheet-1', 'C3', { value: 'offline edit' }, { version: base });
  const conflicting = g.updateCell('sheet-1', 'A1', { value: 'mine' }, { version: 1 });
  conflicting.catch(() => {});
  assert.equal(server.received.filter((m) => m.type === 'cell_update').length, 0);
  server.writeUnheard('A1', 'theirs');
  server.up = true;
  const answer = await edit;
  assert.equal(answer.version, 1);
  await assert.rejects(conflicting, (e) => e instanceof GridlineError && e.code === 'VERSION_CONFLICT' && e.current.value === 'theirs');
  const sent = server.received.filter((m) => m.type === 'cell_update');
  assert.deepEqual(sent.map((m) => [m.cell_id, m.version]), [['C3', 0], ['A1', 1]]);
  // Sent only after the resync: the sync request precedes the first edit.
  const order = server.received.map((m) => m.type);
  assert.ok(order.lastIndexOf('sync') < order.indexOf('cell_update'));
  g.close();
});

test('a conflict reaches the app with the current cell', async () => {
  const server = new FakeServer();
  const g = await joined(server);
  server.write('B2', 'theirs');
  const conflicts = [];
  g.on('conflict', (e) => conflicts.push(e));
  await assert.rejects(g.updateCell('sheet-1', 'B2', { value: 'mine' }, { version: 0 }), /conflict/);
  assert.equal(conflicts.length, 1);
  assert.equal(conflicts[0].current.value, 'theirs');
  assert.equal(conflicts[0].current.version, 1);
  g.close();
});

test('a second offline edit of the same cell is rebased onto the first one', async () => {
  const server = new FakeServer();
  const g = await joined(server);
  server.up = false;
  server.dropAll(1006);
  const first = g.updateCell('sheet-1', 'D4', { value: 'one' }, { version: 0 });
  const second = g.updateCell('sheet-1', 'D4', { value: 'two' }, { version: 0 });
  server.up = true;
  assert.equal((await first).version, 1);
  assert.equal((await second).version, 2);
  assert.equal(server.cells.get('D4').value, 'two');
  g.close();
});

test('an edit committed just before the link dropped is recognised after resync, not sent twice', async () => {
  const server = new FakeServer();
  const g = await joined(server);
  server.silent = true; // the server takes the edit but the answer never comes back
  const edit = g.updateCell('sheet-1', 'E5', { value: 'once' }, { version: 0 });
  await eventually(() => server.received.some((m) => m.type === 'cell_update'), 500, 'edit sent');
  server.writeUnheard('E5', 'once', 'alice');
  server.silent = false;
  server.dropAll(1006);
  const answer = await edit;
  assert.ok(answer);
  assert.equal(server.received.filter((m) => m.type === 'cell_update').length, 1);
  assert.equal(server.cells.get('E5').version, 1);
  g.close();
});

test('close 1008 stops reconnecting and tells the app', async () => {
  const server = new FakeServer();
  const g = await joined(server);
  const stopped = [];
  g.on('stopped', (e) => stopped.push(e));
  server.dropAll(1008);
  assert.equal(g.state, 'offline');
  assert.equal(stopped[0].code, 1008);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(server.sockets.length, 1);
});

test('a handshake refused as 1006 stops when REST answers 401 with the same token', async () => {
  const server = new FakeServer();
  server.up = false;
  const asked = [];
  const g = client(server, { fetch: async (url, init) => { asked.push([url, init.headers.Authorization]); return { status: 401 }; } });
  g.start();
  await assert.rejects(g.ready(), (e) => e.code === 'CLOSED');
  assert.equal(g.state, 'offline');
  assert.deepEqual(asked, [['http://fake/api/v1/notifications?unread=true', 'Bearer tok']]);
});

test('a 1006 with the server unreachable keeps retrying until it is back', async () => {
  const server = new FakeServer();
  server.up = false;
  const g = client(server, { fetch: async () => { throw new TypeError('network'); } });
  g.start();
  await eventually(() => server.sockets.length >= 3, 1000, 'retries');
  server.up = true;
  await g.ready();
  assert.equal(g.state, 'connected');
  g.close();
});

test('close 1013 waits longer before the next attempt', async () => {
  const server = new FakeServer();
  const delays = [];
  const g = client(server, { random: () => 0.5,
    setTimeout: (f, ms) => { delays.push(ms); return setTimeout(f, Math.min(ms, 5)); } });
  g.start();
  await g.ready();
  delays.length = 0;
  server.dropAll(1013);
  assert.ok(delays[0] >= 5000, `1013 retry after ${delays[0]} ms`);
  await eventually(() => g.state === 'connected', 1000, 'reconnected');
  delays.length = 0;
  server.dropAll(1001);
  assert.ok(delays[0] < 250, `1001 retry after ${delays[0]} ms`);
  g.close();
});

test('a silent link is pinged at the app level, then abandoned and replaced', async () => {
  const server = new FakeServer({ heartbeat: 40 });
  const g = await joined(server, { pingTimeout: 150 });
  server.silent = true;
  await eventually(() => server.received.some((m) => m.type === 'ping'), 1000, 'app ping');
  await eventually(() => server.sockets.length === 2, 1000, 'a new socket');
  server.silent = false;
  await eventually(() => g.state === 'connected', 1000, 'connected again');
  g.close();
});

test('cursor moves are coalesced and sent no faster than the cursor rate', async () => {
  const server = new FakeServer({ cursorRate: 10 });
  const g = await joined(server);
  for (let i = 0; i < 50; i++) g.moveCursor('room-1', 'A' + (i + 1), { sheet_id: 'sheet-1' });
  await new Promise((r) => setTimeout(r, 350));
  const moves = server.received.filter((m) => m.type === 'cursor_move');
  assert.ok(moves.length >= 2 && moves.length <= 4, `${moves.length} moves sent`);
  assert.equal(moves[moves.length - 1].cell, 'A50');
  g.close();
});

test('requests time out, and replies match by request_id', async () => {
  const server = new FakeServer();
  const g = await joined(server, { requestTimeout: 50 });
  const pong = await g.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
  await assert.rejects(g.request({ type: 'unanswered' }), (e) => e.code === 'TIMEOUT');
  g.close();
});

test('recalculated cells_updated messages apply like any other by seq', async () => {
  const server = new FakeServer();
  const g = await joined(server);
  const events = [];
  g.on('cells', (e) => events.push(e));
  const edit = server._commit('A1', 2, null, 'bob');
  server.broadcast({ type: 'cell_updated', sheet_id: 'sheet-1', ...edit, user_id: 'bob' });
  const dep = server._commit('B1', 4, '=A1*2', 'bob');
  server.broadcast({ type: 'cells_updated', sheet_id: 'sheet-1', cells: [{ ...dep, error: null }], recalculated: true, cause_seq: edit.seq });
  assert.equal(events.length, 2);
  assert.equal(events[1].recalculated, true);
  assert.equal(events[1].cause_seq, 1);
  assert.equal(g.sheet('sheet-1').get('B1').formula, '=A1*2');
  assert.equal(g.sheet('sheet-1').get('B1').value, 4);
  g.close();
});
