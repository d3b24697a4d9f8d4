-- Issue ids are never reused. SQLite gives a new row the largest id in the table plus one, so
-- deleting the newest issue would hand its id to the next one, and an old link or a script
-- holding that id would reach an unrelated issue (Sentry never reuses an id). Deleting issues
-- records the largest id deleted here; new issues are numbered past it.
CREATE TABLE id_high_water (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
