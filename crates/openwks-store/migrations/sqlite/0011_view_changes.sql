-- openwks schema, version 11 (PostgreSQL: version 3): which server-group views each write
-- batch changed, by the batch's write generation, so that replicas sharing a PostgreSQL
-- database evict only those from their view caches (SQLite has one process, which evicts as
-- it commits; the table is here to keep both schemas alike). Row 3 of write_generation: the
-- newest generation whose changes may have been pruned (a cache older than that starts over).
CREATE TABLE view_changes (
    gen       INTEGER NOT NULL,
    group_id  TEXT NOT NULL
);
CREATE INDEX view_changes_gen ON view_changes(gen);
CREATE TABLE write_generation_v11 (
    id   INTEGER PRIMARY KEY CHECK (id IN (1, 2, 3)),
    gen  INTEGER NOT NULL
);
INSERT INTO write_generation_v11 (id, gen) SELECT id, gen FROM write_generation;
DROP TABLE write_generation;
ALTER TABLE write_generation_v11 RENAME TO write_generation;
INSERT INTO write_generation (id, gen) VALUES (3, 0) ON CONFLICT DO NOTHING;
