-- openwks schema, version 8: sessions, the apps opened in them, scaling activities and
-- export tasks (issue 5).
CREATE TABLE sessions (
    seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
    id                       TEXT NOT NULL UNIQUE,
    project_id               TEXT NOT NULL,
    user_name                TEXT NOT NULL,
    primary_server_group_id  TEXT NOT NULL,
    server_group_id          TEXT NOT NULL,
    server_id                TEXT NOT NULL,
    state                    TEXT NOT NULL,
    start_ms                 INTEGER NOT NULL,
    end_ms                   INTEGER,
    deadline_ms              INTEGER,
    doc                      TEXT NOT NULL
);
CREATE INDEX sessions_project ON sessions(project_id, seq);
CREATE INDEX sessions_user ON sessions(project_id, user_name, seq);
-- At most one live session per user and primary group (a second launch reuses it).
CREATE UNIQUE INDEX sessions_live_user ON sessions(project_id, user_name, primary_server_group_id)
    WHERE state IN ('Active', 'Disconnected');
CREATE INDEX sessions_live_server ON sessions(server_id) WHERE state IN ('Active', 'Disconnected');
CREATE INDEX sessions_server_end ON sessions(server_id, end_ms);
CREATE INDEX sessions_deadline ON sessions(deadline_ms) WHERE deadline_ms IS NOT NULL;
CREATE TABLE app_connections (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX app_connections_project ON app_connections(project_id, seq);
CREATE INDEX app_connections_session ON app_connections(session_id);
CREATE TABLE scaling_activities (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    project_id       TEXT NOT NULL,
    server_group_id  TEXT NOT NULL,
    doc              TEXT NOT NULL
);
CREATE INDEX scaling_activities_group ON scaling_activities(project_id, server_group_id, seq);
CREATE TABLE export_tasks (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
-- The scaling controller visits only groups with an enabled policy.
ALTER TABLE server_groups ADD COLUMN scaling_enabled INTEGER NOT NULL DEFAULT 0;
UPDATE server_groups SET scaling_enabled = COALESCE(json_extract(doc, '$.scaling_policy.enable'), 0);
CREATE INDEX server_groups_scaling ON server_groups(scaling_enabled) WHERE scaling_enabled = 1;
CREATE INDEX sessions_group ON sessions(project_id, server_group_id, seq);
-- list_sessions: the vendor's time window, newest first, and its count, from the index alone.
CREATE INDEX sessions_start ON sessions(project_id, start_ms);
