-- Issue and project ids are never reused. SQLite gives a new row the largest id in the table
-- plus one, so deleting the newest issue (or project) would hand its id to the next one, and
-- an old link, a script or a DSN holding that id would reach an unrelated object (Sentry never
-- reuses an id). Deleting one records the largest id deleted here, per table; new rows are
-- numbered past it.
CREATE TABLE id_high_water (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
