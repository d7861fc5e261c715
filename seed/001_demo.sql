-- Demo data for an empty database: one room, one sheet with A1:B10 filled in, and a
-- few notifications. Loaded once, in one transaction, by SeedLoader.loadIfEmpty.
-- A = month number, B = sales; B9 is an outlier on purpose, for the AI analysis demo.

INSERT INTO users (id, username, email, role, first_seen, last_seen) VALUES
    ('demo',  'demo',  'demo@example.com',  'editor', CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('admin', 'admin', 'admin@example.com', 'admin',  CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000);

INSERT INTO rooms (id, name, created_at) VALUES
    ('demo', 'Demo room', CAST(strftime('%s', 'now') AS INTEGER) * 1000);

INSERT INTO sheets (id, room_id, name, seq, created_at) VALUES
    ('demo-sheet', 'demo', 'Demo sheet', 20, CAST(strftime('%s', 'now') AS INTEGER) * 1000);

-- Every cell at version 1; history seq n is the n-th row below, matching sheets.seq = 20.
CREATE TEMP TABLE demo_cells (seq INTEGER, cell_id TEXT, value TEXT);
INSERT INTO demo_cells (seq, cell_id, value) VALUES
    (1, 'A1', '1'),
    (2, 'B1', '120'),
    (3, 'A2', '2'),
    (4, 'B2', '135.5'),
    (5, 'A3', '3'),
    (6, 'B3', '128'),
    (7, 'A4', '4'),
    (8, 'B4', '142'),
    (9, 'A5', '5'),
    (10, 'B5', '150.25'),
    (11, 'A6', '6'),
    (12, 'B6', '161'),
    (13, 'A7', '7'),
    (14, 'B7', '158'),
    (15, 'A8', '8'),
    (16, 'B8', '173'),
    (17, 'A9', '9'),
    (18, 'B9', '410'),
    (19, 'A10', '10'),
    (20, 'B10', '182');

-- Row ids as migration 005 lays them out: the sheet's key << 39 | column << 24 | row for a
-- cell (the columns here are single letters, A = 1), key << 39 | seq for a history row.
INSERT INTO cells (id, cell_id, value, formula, version, updated_by, updated_at)
    SELECT (s.key << 39) | ((unicode(d.cell_id) - 64) << 24) | CAST(substr(d.cell_id, 2) AS INTEGER),
           d.cell_id, d.value, NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM demo_cells AS d, sheets AS s WHERE s.id = 'demo-sheet' ORDER BY d.seq;

INSERT INTO cell_history (id, cell_id, value, formula, version, user_id, username, applied_at)
    SELECT (s.key << 39) | d.seq, d.cell_id, d.value, NULL, 1, 'demo', 'demo',
           CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM demo_cells AS d, sheets AS s WHERE s.id = 'demo-sheet' ORDER BY d.seq;

DROP TABLE demo_cells;

INSERT INTO notifications (id, user_id, title, message, category, priority, module_name, created_at, read_at) VALUES
    ('ntf_seed_welcome_demo', 'demo',  'Welcome to Gridline', 'Join the room "demo" to edit the demo sheet.', 'general', 'normal', 'onboarding', CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL),
    ('ntf_seed_tip_demo',     'demo',  'Tip: ask the AI',     'Send ai_request with table_range A1:B10 for a quick analysis.', 'tips', 'low', 'ai', CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL),
    ('ntf_seed_welcome_admin','admin', 'Admin tools',         'GET /api/v1/ws/stats shows live figures.', 'general', 'normal', 'admin', CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL),
    ('ntf_seed_alert_admin',  'admin', 'Outlier detected',    'B9 in demo-sheet is far above its neighbours.', 'alerts', 'high', 'ai', CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL);
