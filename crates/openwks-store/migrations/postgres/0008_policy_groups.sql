-- Policy groups and templates (issue 18): a document per row, names unique in a project.
-- (SQLite: 0016.)
CREATE TABLE policy_groups (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    priority    BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE TABLE policy_templates (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    priority    BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (project_id, name)
);
