-- Storage (issue 19; SQLite: 0019): WKS storages, the folders claimed in them, their members, and each
-- project's own access policy. Files live in the storage directory, not here.
CREATE TABLE persistent_storages (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    handle      TEXT NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (project_id, handle)
);
CREATE INDEX persistent_storages_project ON persistent_storages (project_id, seq);
CREATE TABLE storage_claims (
    seq          BIGSERIAL PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    project_id   TEXT NOT NULL,
    storage_id   TEXT NOT NULL,
    claim_mode   TEXT NOT NULL,
    folder_path  TEXT NOT NULL,
    doc          TEXT NOT NULL,
    UNIQUE (storage_id, folder_path)
);
CREATE INDEX storage_claims_storage ON storage_claims (storage_id, seq);
CREATE TABLE storage_assignments (
    seq                  BIGSERIAL PRIMARY KEY,
    claim_id             TEXT NOT NULL,
    storage_id           TEXT NOT NULL,
    project_id           TEXT NOT NULL,
    attach               TEXT NOT NULL,
    attach_type          TEXT NOT NULL,
    policy_statement_id  TEXT NOT NULL,
    UNIQUE (claim_id, attach_type, attach)
);
CREATE INDEX storage_assignments_member ON storage_assignments (project_id, attach);
CREATE TABLE storage_policies (
    seq         BIGSERIAL PRIMARY KEY,
    project_id  TEXT NOT NULL UNIQUE,
    doc         TEXT NOT NULL
);
-- Cloud storages: a project configuration on its cluster group, and users' personal folders
-- in it with their quotas and switches.
CREATE TABLE cloud_storages (
    seq                BIGSERIAL PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    project_id         TEXT NOT NULL,
    project_config_id  TEXT NOT NULL,
    doc                TEXT NOT NULL,
    UNIQUE (project_id, project_config_id)
);
CREATE TABLE cloud_folders (
    seq          BIGSERIAL PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    project_id   TEXT NOT NULL,
    storage_id   TEXT NOT NULL,
    attach_id    TEXT NOT NULL,
    attach_name  TEXT NOT NULL,
    doc          TEXT NOT NULL,
    UNIQUE (storage_id, attach_id)
);
CREATE INDEX cloud_folders_user ON cloud_folders (project_id, attach_name);
