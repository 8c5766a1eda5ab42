-- Images (issue 17): the app warehouse, image servers, image jobs, private images.
CREATE TABLE warehouse_apps (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    app_id      TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    version_id  TEXT NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (project_id, name, version_id)
);
CREATE INDEX warehouse_apps_app_id ON warehouse_apps (project_id, app_id);
CREATE TABLE warehouse_buckets (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL UNIQUE,
    doc         TEXT NOT NULL
);
CREATE TABLE image_servers (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX image_servers_project ON image_servers (project_id, seq);
CREATE TABLE image_jobs (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    project_id    TEXT NOT NULL,
    server_job_id TEXT NOT NULL,
    status        TEXT NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX image_jobs_project ON image_jobs (project_id, seq);
CREATE INDEX image_jobs_server_job ON image_jobs (server_job_id);
CREATE TABLE private_images (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    project_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX private_images_project ON private_images (project_id, seq);
