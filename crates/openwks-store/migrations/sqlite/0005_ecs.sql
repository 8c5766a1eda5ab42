-- openwks schema, version 5: ECS server groups and their members.
CREATE TABLE ecs_server_groups (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX ecs_server_groups_project ON ecs_server_groups(project_id, seq);
-- Anti-affinity lives in the database too: one member per host and group.
CREATE TABLE ecs_group_members (
    group_id   TEXT NOT NULL,
    server_id  TEXT NOT NULL,
    host_id    TEXT NOT NULL,
    PRIMARY KEY (group_id, server_id),
    UNIQUE (group_id, host_id)
);
CREATE INDEX ecs_group_members_server ON ecs_group_members(server_id);
