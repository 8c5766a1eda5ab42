-- openwks schema, version 10 (PostgreSQL: version 2): what replicas sharing a database
-- coordinate through. Generation counters: row 1 is bumped by every write batch on
-- PostgreSQL (its row lock serializes the batches of all replicas), row 2 by every change of
-- the authentication directory or of identity policies (replicas reload their caches when it
-- moves). Leases: one holder at a time per background duty (scaling controller, job sweeper).
CREATE TABLE IF NOT EXISTS write_generation (
    id   INTEGER PRIMARY KEY CHECK (id IN (1, 2)),
    gen  INTEGER NOT NULL
);
INSERT INTO write_generation (id, gen) VALUES (1, 0) ON CONFLICT DO NOTHING;
INSERT INTO write_generation (id, gen) VALUES (2, 0) ON CONFLICT DO NOTHING;
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_ms  INTEGER NOT NULL
);
