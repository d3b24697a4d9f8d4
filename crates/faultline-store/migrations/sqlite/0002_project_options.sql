-- Per-project settings, one JSON value per named option (e.g. `scrubbing`: the data-scrubbing
-- settings). A missing row means the option's default.
CREATE TABLE project_options (
    project_id   INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    value        TEXT    NOT NULL,
    date_updated INTEGER NOT NULL,
    PRIMARY KEY (project_id, key)
) WITHOUT ROWID;
