-- Gridline initial schema. Timestamps are INTEGER unix milliseconds.
-- User ids are not foreign keys: notifications, uploads and jobs may name a user the
-- server has not seen yet (REST notify), and `users` is only a directory of seen users.

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    email      TEXT,
    role       TEXT NOT NULL DEFAULT 'editor',
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
);

CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE sheets (
    id         TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    -- The sheet's own update counter: +1 per applied cell update, gap-free.
    seq        INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
-- Listing a room's sheets, and the cascade from rooms.
CREATE INDEX sheets_by_room ON sheets(room_id, created_at);

CREATE TABLE cells (
    sheet_id   TEXT NOT NULL REFERENCES sheets(id) ON DELETE CASCADE,
    cell_id    TEXT NOT NULL,
    value      TEXT NOT NULL,            -- JSON text: string, number, boolean or null
    formula    TEXT,
    version    INTEGER NOT NULL,
    updated_by TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (sheet_id, cell_id)
) WITHOUT ROWID;

CREATE TABLE cell_history (
    sheet_id   TEXT NOT NULL REFERENCES sheets(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    cell_id    TEXT NOT NULL,
    value      TEXT NOT NULL,
    formula    TEXT,
    version    INTEGER NOT NULL,
    user_id    TEXT,
    username   TEXT,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (sheet_id, seq)
) WITHOUT ROWID;

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    title       TEXT NOT NULL,
    message     TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT 'general',
    priority    TEXT NOT NULL DEFAULT 'normal'
                CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    module_name TEXT,
    created_at  INTEGER NOT NULL,
    read_at     INTEGER
);
CREATE INDEX notifications_by_user ON notifications(user_id, read_at, created_at);

CREATE TABLE uploads (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    filename       TEXT NOT NULL,
    mime_type      TEXT NOT NULL,
    declared_size  INTEGER NOT NULL,
    bytes_received INTEGER NOT NULL DEFAULT 0,
    -- Not a foreign key: an upload outlives the room it was announced to.
    room_id        TEXT,
    status         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'uploading', 'complete', 'failed')),
    stored_name    TEXT,
    created_at     INTEGER NOT NULL,
    completed_at   INTEGER
);
CREATE INDEX uploads_by_user ON uploads(user_id, created_at);

-- request_id is chosen by the client, so it is unique per user, not globally:
-- two users' "req-1" must not collide.
CREATE TABLE ai_jobs (
    request_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    sheet_id    TEXT,                    -- not a foreign key: a job's record outlives its sheet
    query       TEXT NOT NULL,
    table_range TEXT,
    status      TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'complete', 'error', 'cancelled')),
    progress    INTEGER NOT NULL DEFAULT 0,
    result      TEXT,                    -- JSON text
    error       TEXT,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    PRIMARY KEY (user_id, request_id)
);
CREATE INDEX ai_jobs_by_user_status ON ai_jobs(user_id, status);
-- Start-up finds jobs a previous process left running.
CREATE INDEX ai_jobs_by_status ON ai_jobs(status);
