-- Host failures (issue 21): a host the administrator marked down takes no new servers; its
-- servers went to ERROR. A row per down host; recovering deletes it. (SQLite: 0013.)
CREATE TABLE host_states (
    host_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    since TEXT NOT NULL
);
