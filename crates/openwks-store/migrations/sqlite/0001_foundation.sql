-- openwks schema, version 1: identities, networks, server groups and their tags.
-- Portable SQL: the PostgreSQL backend runs the same statements (types are TEXT/INTEGER/BIGINT).
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);
CREATE TABLE projects (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts(id),
    name                TEXT NOT NULL,
    server_group_count  INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL
);
CREATE INDEX projects_account ON projects(account_id, name);
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    name           TEXT NOT NULL,
    is_admin       INTEGER NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE TABLE access_keys (
    access_key  TEXT PRIMARY KEY,
    secret_key  TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id),
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
CREATE TABLE vpcs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX vpcs_project ON vpcs(project_id, seq);
CREATE TABLE subnets (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    vpc_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX subnets_project ON subnets(project_id, seq);
CREATE INDEX subnets_vpc ON subnets(vpc_id);
CREATE TABLE server_groups (
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
    id                     TEXT NOT NULL UNIQUE,
    project_id             TEXT NOT NULL,
    name                   TEXT NOT NULL,
    app_type               TEXT NOT NULL,
    enterprise_project_id  TEXT NOT NULL,
    primary_id             TEXT,
    subnet_id              TEXT NOT NULL,
    doc                    TEXT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE INDEX server_groups_project ON server_groups(project_id, seq);
CREATE INDEX server_groups_primary ON server_groups(primary_id);
CREATE INDEX server_groups_subnet ON server_groups(subnet_id);
CREATE TABLE server_group_tags (
    server_group_id  TEXT NOT NULL,
    project_id       TEXT NOT NULL,
    tag_key          TEXT NOT NULL,
    tag_value        TEXT NOT NULL,
    PRIMARY KEY (server_group_id, tag_key)
);
CREATE INDEX server_group_tags_project ON server_group_tags(project_id, tag_key, tag_value);
