-- Releases of an organization, the projects each one belongs to, and their deploys.
--
-- A release comes into existence through the API (`sentry-cli releases new`) or from the first
-- event that names it; either way it is one row per (organization, version). Its per-project
-- row counts what events said about it: new issues, first and last event times.

CREATE TABLE releases (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version         TEXT    NOT NULL,
    ref             TEXT,
    url             TEXT,
    date_created    INTEGER NOT NULL,
    date_released   INTEGER,
    UNIQUE (organization_id, version)
);
CREATE INDEX releases_organization_created ON releases (organization_id, date_created, id);

CREATE TABLE release_projects (
    release_id  INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    new_groups  INTEGER NOT NULL DEFAULT 0,
    first_event INTEGER,
    last_event  INTEGER,
    PRIMARY KEY (release_id, project_id)
) WITHOUT ROWID;
CREATE INDEX release_projects_project ON release_projects (project_id, release_id);

CREATE TABLE deploys (
    id            INTEGER PRIMARY KEY,
    release_id    INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    environment   TEXT    NOT NULL,
    name          TEXT,
    url           TEXT,
    date_started  INTEGER,
    date_finished INTEGER NOT NULL
);
CREATE INDEX deploys_release ON deploys (release_id, date_finished, id);
