-- openwks schema for PostgreSQL, version 2 (SQLite: version 10): the IAM generation and
-- the leases of the background duties (see ../sqlite/0010_cluster.sql).
ALTER TABLE write_generation DROP CONSTRAINT IF EXISTS write_generation_id_check;
ALTER TABLE write_generation ADD CONSTRAINT write_generation_id_check CHECK (id IN (1, 2));
INSERT INTO write_generation (id, gen) VALUES (2, 0) ON CONFLICT DO NOTHING;
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_ms  BIGINT NOT NULL
);
