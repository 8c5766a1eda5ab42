-- Policy groups and templates (issue 18): a document per row, names unique in a project.
CREATE TABLE policy_groups (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE TABLE policy_templates (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (project_id, name)
);
