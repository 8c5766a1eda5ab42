-- Schedule tasks (issue 18): a task per row with its next run (epoch ms; NULL when none is left
-- or it is disabled) for the controller's due query, and a row per run with its per-server
-- records in the document.
CREATE TABLE schedule_tasks (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    task_type   TEXT NOT NULL,
    next_ms     INTEGER,
    doc         TEXT NOT NULL
);
CREATE INDEX schedule_tasks_project ON schedule_tasks(project_id, seq);
CREATE INDEX schedule_tasks_due ON schedule_tasks(next_ms) WHERE next_ms IS NOT NULL;
CREATE TABLE schedule_runs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    task_id     TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX schedule_runs_task ON schedule_runs(project_id, task_id, seq);
