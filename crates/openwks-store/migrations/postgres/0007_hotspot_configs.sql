-- Hotspot session migration (issue 18): one configuration per project. (SQLite: 0015.)
CREATE TABLE hotspot_configs (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL UNIQUE,
    enabled     BIGINT NOT NULL,
    doc         TEXT NOT NULL
);
