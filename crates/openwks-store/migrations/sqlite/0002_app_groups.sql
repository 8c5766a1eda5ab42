-- openwks schema, version 2: app groups.
CREATE TABLE app_groups (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    id                   TEXT NOT NULL UNIQUE,
    project_id           TEXT NOT NULL,
    name                 TEXT NOT NULL,
    app_server_group_id  TEXT,
    authorization_type   TEXT NOT NULL,
    app_type             TEXT NOT NULL,
    doc                  TEXT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE INDEX app_groups_project ON app_groups(project_id, seq);
CREATE INDEX app_groups_server_group ON app_groups(app_server_group_id);
