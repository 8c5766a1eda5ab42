-- openwks schema, version 3: authorizations, authorization mails, user groups.
CREATE TABLE authorizations (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
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
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    project_id    TEXT NOT NULL,
    app_group_id  TEXT NOT NULL,
    account       TEXT NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX mail_records_project ON mail_records(project_id, seq);
CREATE TABLE user_groups (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
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
