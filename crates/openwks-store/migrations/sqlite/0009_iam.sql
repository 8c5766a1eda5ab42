-- openwks schema, version 9: IAM users can be disabled; identity policies, IAM groups,
-- attachments, and the audit trail (issue 6).
ALTER TABLE users ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
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
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    action      TEXT NOT NULL,
    resource    TEXT NOT NULL,
    time_ms     INTEGER NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX audit_events_account ON audit_events(account_id, seq);
-- User groups count their members (reading a million memberships per request would not do).
ALTER TABLE user_groups ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE user_groups SET member_count =
    (SELECT COUNT(*) FROM user_group_members m WHERE m.user_group_id = user_groups.id);
