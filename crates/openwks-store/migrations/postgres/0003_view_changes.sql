-- openwks schema for PostgreSQL, version 3 (SQLite: version 11): which server-group views
-- each write batch changed, by the batch's write generation, so that a replica evicts only
-- those from its view cache when another replica wrote; row 3 of write_generation is the
-- newest generation whose changes may have been pruned (see ../sqlite/0011_view_changes.sql).
CREATE TABLE view_changes (
    gen       BIGINT NOT NULL,
    group_id  TEXT NOT NULL
);
CREATE INDEX view_changes_gen ON view_changes(gen);
ALTER TABLE write_generation DROP CONSTRAINT IF EXISTS write_generation_id_check;
ALTER TABLE write_generation ADD CONSTRAINT write_generation_id_check CHECK (id IN (1, 2, 3));
INSERT INTO write_generation (id, gen) VALUES (3, 0) ON CONFLICT DO NOTHING;
