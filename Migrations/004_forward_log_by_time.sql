-- Idempotency keys of forwarded writes (SPEC §15) ordered by the time the write was made:
-- a key is needed only while its forward may still be retried (seconds), so keys are pruned
-- from the oldest end in small slices, and new ones append at the other end. A resend carries
-- its write's time, so the lookup is still one seek.
CREATE TABLE applied_forwards_by_time (
    applied_at INTEGER NOT NULL,
    key        TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    PRIMARY KEY (applied_at, key)
) WITHOUT ROWID;
INSERT INTO applied_forwards_by_time (applied_at, key, outcome)
    SELECT applied_at, key, outcome FROM applied_forwards;
DROP TABLE applied_forwards;
ALTER TABLE applied_forwards_by_time RENAME TO applied_forwards;
