-- openwks schema, version 4: published apps and their icons.
CREATE TABLE apps (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    project_id    TEXT NOT NULL,
    app_group_id  TEXT NOT NULL,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL,
    doc           TEXT NOT NULL,
    UNIQUE (app_group_id, name)
);
CREATE INDEX apps_group ON apps(app_group_id, seq);
CREATE TABLE icons (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL
);
