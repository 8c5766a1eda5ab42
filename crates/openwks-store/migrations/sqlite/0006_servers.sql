-- openwks schema, version 6: servers and jobs.
CREATE TABLE servers (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    project_id    TEXT NOT NULL,
    host_id       TEXT,
    subnet_id     TEXT NOT NULL,
    status        TEXT NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX servers_project ON servers(project_id, seq);
CREATE INDEX servers_host ON servers(host_id);
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX jobs_status ON jobs(status);
