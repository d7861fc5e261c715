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
INSERT INTO cells (sheet_id, cell_id, value, formula, version, updated_by, updated_at) VALUES
    ('demo-sheet', 'A1', '1', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B1', '120', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A2', '2', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B2', '135.5', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A3', '3', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B3', '128', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A4', '4', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B4', '142', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A5', '5', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B5', '150.25', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A6', '6', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B6', '161', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A7', '7', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B7', '158', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A8', '8', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B8', '173', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A9', '9', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B9', '410', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'A10', '10', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 'B10', '182', NULL, 1, 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000);

INSERT INTO cell_history (sheet_id, seq, cell_id, value, formula, version, user_id, username, applied_at) VALUES
    ('demo-sheet', 1, 'A1', '1', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 2, 'B1', '120', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 3, 'A2', '2', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 4, 'B2', '135.5', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 5, 'A3', '3', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 6, 'B3', '128', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 7, 'A4', '4', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 8, 'B4', '142', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 9, 'A5', '5', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 10, 'B5', '150.25', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 11, 'A6', '6', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 12, 'B6', '161', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 13, 'A7', '7', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 14, 'B7', '158', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 15, 'A8', '8', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 16, 'B8', '173', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 17, 'A9', '9', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 18, 'B9', '410', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 19, 'A10', '10', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000),
    ('demo-sheet', 20, 'B10', '182', NULL, 1, 'demo', 'demo', CAST(strftime('%s', 'now') AS INTEGER) * 1000);

INSERT INTO notifications (id, user_id, title, message, category, priority, module_name, created_at, read_at) VALUES
    ('ntf_seed_welcome_demo', 'demo',  'Welcome to Gridline', 'Join the room "demo" to edit the demo sheet.', 'general', 'normal', 'onboarding', CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL),
    ('ntf_seed_tip_demo',     'demo',  'Tip: ask the AI',     'Send ai_request with table_range A1:B10 for a quick analysis.', 'tips', 'low', 'ai', CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL),
    ('ntf_seed_welcome_admin','admin', 'Admin tools',         'GET /api/v1/ws/stats shows live figures.', 'general', 'normal', 'admin', CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL),
    ('ntf_seed_alert_admin',  'admin', 'Outlier detected',    'B9 in demo-sheet is far above its neighbours.', 'alerts', 'high', 'ai', CAST(strftime('%s', 'now') AS INTEGER) * 1000, NULL);
