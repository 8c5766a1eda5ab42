-- openwks schema for PostgreSQL, version 1: the same tables, columns and indexes as the
-- SQLite migrations 1-9 (`../sqlite/`), in PostgreSQL's types (BIGSERIAL for the ordering
-- `seq`, BIGINT, BYTEA), plus what the shared SQL needs of the engine: a `rowid` where SQLite
-- has its implicit one, `instr`, `json_extract`, and the write generation.
-- openwks schema, version 1: identities, networks, server groups and their tags.
-- Portable SQL: the PostgreSQL backend runs the same statements (types are TEXT/BIGINT/BIGINT).
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);
CREATE TABLE projects (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts(id),
    name                TEXT NOT NULL,
    server_group_count  BIGINT NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL
);
CREATE INDEX projects_account ON projects(account_id, name);
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    name           TEXT NOT NULL,
    is_admin       BIGINT NOT NULL,
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
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX vpcs_project ON vpcs(project_id, seq);
CREATE TABLE subnets (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    vpc_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX subnets_project ON subnets(project_id, seq);
CREATE INDEX subnets_vpc ON subnets(vpc_id);
CREATE TABLE server_groups (
    seq                    BIGSERIAL PRIMARY KEY,
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

-- openwks schema, version 2: app groups.
CREATE TABLE app_groups (
    seq                  BIGSERIAL PRIMARY KEY,
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

-- openwks schema, version 3: authorizations, authorization mails, user groups.
CREATE TABLE authorizations (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    project_id    TEXT NOT NULL,
    app_group_id  TEXT NOT NULL,
    account       TEXT NOT NULL,
    account_type  TEXT NOT NULL,
    doc           TEXT NOT NULL,
    UNIQUE (app_group_id, account_type, account)
);
CREATE INDEX authorizations_project ON authorizations(project_id, seq);
CREATE INDEX authorizations_account ON authorizations(project_id, account_type, account);
CREATE TABLE mail_records (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    project_id    TEXT NOT NULL,
    app_group_id  TEXT NOT NULL,
    account       TEXT NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX mail_records_project ON mail_records(project_id, seq);
CREATE TABLE user_groups (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE TABLE user_group_members (
    user_group_id  TEXT NOT NULL,
    user_name      TEXT NOT NULL,
    PRIMARY KEY (user_group_id, user_name)
);
CREATE INDEX user_group_members_user ON user_group_members(user_name);

-- openwks schema, version 4: published apps and their icons.
CREATE TABLE apps (
    seq           BIGSERIAL PRIMARY KEY,
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
    data          BYTEA NOT NULL
);

-- openwks schema, version 5: ECS server groups and their members.
CREATE TABLE ecs_server_groups (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX ecs_server_groups_project ON ecs_server_groups(project_id, seq);
-- Anti-affinity lives in the database too: one member per host and group.
CREATE TABLE ecs_group_members (
    rowid      BIGSERIAL,
    group_id   TEXT NOT NULL,
    server_id  TEXT NOT NULL,
    host_id    TEXT NOT NULL,
    PRIMARY KEY (group_id, server_id),
    UNIQUE (group_id, host_id)
);
CREATE INDEX ecs_group_members_server ON ecs_group_members(server_id);

-- openwks schema, version 6: servers and jobs.
CREATE TABLE servers (
    seq           BIGSERIAL PRIMARY KEY,
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
    rowid       BIGSERIAL,
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX jobs_status ON jobs(status);

-- openwks schema, version 7: app servers are servers of a server group.
ALTER TABLE servers ADD COLUMN app_server_group_id TEXT;
CREATE INDEX servers_app_server_group ON servers(app_server_group_id);

-- openwks schema, version 8: sessions, the apps opened in them, scaling activities and
-- export tasks (issue 5).
CREATE TABLE sessions (
    seq                      BIGSERIAL PRIMARY KEY,
    id                       TEXT NOT NULL UNIQUE,
    project_id               TEXT NOT NULL,
    user_name                TEXT NOT NULL,
    primary_server_group_id  TEXT NOT NULL,
    server_group_id          TEXT NOT NULL,
    server_id                TEXT NOT NULL,
    state                    TEXT NOT NULL,
    start_ms                 BIGINT NOT NULL,
    end_ms                   BIGINT,
    deadline_ms              BIGINT,
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
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX app_connections_project ON app_connections(project_id, seq);
CREATE INDEX app_connections_session ON app_connections(session_id);
CREATE TABLE scaling_activities (
    seq              BIGSERIAL PRIMARY KEY,
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
ALTER TABLE server_groups ADD COLUMN scaling_enabled BIGINT NOT NULL DEFAULT 0;
CREATE INDEX server_groups_scaling ON server_groups(scaling_enabled) WHERE scaling_enabled = 1;
CREATE INDEX sessions_group ON sessions(project_id, server_group_id, seq);
-- list_sessions: the vendor's time window, newest first, and its count, from the index alone.
CREATE INDEX sessions_start ON sessions(project_id, start_ms);

-- openwks schema, version 9: IAM users can be disabled; identity policies, IAM groups,
-- attachments, and the audit trail (issue 6).
ALTER TABLE users ADD COLUMN enabled BIGINT NOT NULL DEFAULT 1;
CREATE TABLE iam_policies (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE TABLE iam_groups (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (account_id, name)
);
CREATE TABLE iam_group_members (
    group_id  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX iam_group_members_user ON iam_group_members(user_id);
CREATE TABLE iam_attachments (
    policy_id       TEXT NOT NULL,
    principal_type  TEXT NOT NULL,
    principal_id    TEXT NOT NULL,
    PRIMARY KEY (policy_id, principal_type, principal_id)
);
CREATE INDEX iam_attachments_principal ON iam_attachments(principal_type, principal_id);
CREATE TABLE audit_events (
    seq         BIGSERIAL PRIMARY KEY,
    account_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    time_ms     BIGINT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX audit_events_account ON audit_events(account_id, seq);
-- User groups count their members (reading a million memberships per request would not do).
ALTER TABLE user_groups ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;


-- SQLite's instr() for the shared SQL.
CREATE OR REPLACE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS BIGINT
    LANGUAGE sql IMMUTABLE AS $$ SELECT strpos(haystack, needle)::BIGINT $$;
-- SQLite's json_extract() (as text) for the shared SQL; numeric fields are compared after
-- CAST(... AS BIGINT) on both engines.
CREATE OR REPLACE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE AS $$ SELECT (doc::jsonb) #>> string_to_array(substr(path, 3), '.') $$;
-- One row: every write batch of every replica takes its lock first (writes are serialized,
-- as they are on the single SQLite writer) and bumps the generation, by which a replica
-- learns that another one wrote since its own last batch.
CREATE TABLE write_generation (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    gen  BIGINT NOT NULL
);
INSERT INTO write_generation (id, gen) VALUES (1, 0);
