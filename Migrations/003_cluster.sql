-- Several nodes on one database (SPEC §15). `shard_fences` holds, per shard of rooms, the
-- fencing number of the node that owns it now: every cell transaction of an owner checks its
-- own number against this row, so a node whose lease ran out can never commit. Numbers only
-- grow (Redis hands them out; a claim never lowers one).
CREATE TABLE shard_fences (
    shard      INTEGER PRIMARY KEY,
    fence      INTEGER NOT NULL,
    node       TEXT NOT NULL,
    claimed_at INTEGER NOT NULL
);

-- Writes forwarded from another node, by idempotency key (node, connection, request): a
-- forward retried after a lost reply finds its outcome here instead of being applied twice.
-- Written in the same transaction as the cells; pruned after a day.
CREATE TABLE applied_forwards (
    key        TEXT PRIMARY KEY,
    outcome    TEXT NOT NULL,
    applied_at INTEGER NOT NULL
) WITHOUT ROWID;
