-- Hotspot session migration (issue 18): one configuration per project.
CREATE TABLE hotspot_configs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL UNIQUE,
    enabled     INTEGER NOT NULL,
    doc         TEXT NOT NULL
);
