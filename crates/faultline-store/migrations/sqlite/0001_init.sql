-- faultline schema, first cut (SQLite).
--
-- Conventions shared with a future PostgreSQL schema: times are INTEGER microseconds since the
-- Unix epoch, hourly buckets are the epoch second the hour starts at, payloads are zstd JSON
-- blobs, counts are INTEGER. Foreign keys are declared (and enforced) on the small
-- administrative tables only: on the hot tables they would cost a parent lookup per row.

-- ---- Organizations, users and access ----

CREATE TABLE organizations (
    id           INTEGER PRIMARY KEY,
    slug         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    date_created INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    -- Argon2id PHC string; NULL for accounts that cannot log in with a password.
    password_hash TEXT,
    is_superuser  INTEGER NOT NULL DEFAULT 0,
    date_joined   INTEGER NOT NULL
);

CREATE TABLE memberships (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- owner, manager, admin, member
    role            TEXT    NOT NULL,
    date_created    INTEGER NOT NULL,
    UNIQUE (organization_id, user_id)
);

CREATE TABLE teams (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    date_created    INTEGER NOT NULL,
    UNIQUE (organization_id, slug)
);

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    platform        TEXT,
    -- The next issue short id (Sentry's per-project counter behind `SLUG-1`).
    next_short_id   INTEGER NOT NULL DEFAULT 1,
    date_created    INTEGER NOT NULL,
    UNIQUE (organization_id, slug)
);

CREATE TABLE project_teams (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, team_id)
);

CREATE TABLE project_keys (
    id                     INTEGER PRIMARY KEY,
    project_id             INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    public_key             TEXT    NOT NULL UNIQUE,
    label                  TEXT    NOT NULL,
    is_active              INTEGER NOT NULL DEFAULT 1,
    rate_limit_count       INTEGER,
    rate_limit_window_secs INTEGER,
    date_created           INTEGER NOT NULL
);
CREATE INDEX project_keys_project ON project_keys (project_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the token, hex; the plain text is never stored here.
    token_hash   TEXT    NOT NULL UNIQUE,
    -- The last four characters, to tell tokens apart in a list.
    token_last_characters TEXT NOT NULL,
    name         TEXT,
    -- Space-separated Sentry scopes.
    scopes       TEXT    NOT NULL,
    date_created INTEGER NOT NULL
);

-- The plain text of the token `bootstrap` minted for a user, so that re-running bootstrap
-- prints the same token. Only this one token per user is kept in plain text.
CREATE TABLE bootstrap_secrets (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    api_token_id INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    token        TEXT    NOT NULL
);

-- ---- Issues ----

CREATE TABLE issues (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL,
    short_id      INTEGER NOT NULL,
    -- The type of the event that created it: error, default, csp, ...
    issue_type    TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    culprit       TEXT    NOT NULL,
    level         TEXT    NOT NULL,
    platform      TEXT    NOT NULL,
    -- unresolved, resolved, ignored
    status        TEXT    NOT NULL DEFAULT 'unresolved',
    substatus     TEXT,
    metadata      TEXT    NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    times_seen    INTEGER NOT NULL DEFAULT 0,
    user_count    INTEGER NOT NULL DEFAULT 0,
    first_release TEXT,
    last_release  TEXT,
    resolved_at   INTEGER,
    UNIQUE (project_id, short_id)
);
CREATE INDEX issues_project_last_seen ON issues (project_id, last_seen, id);
CREATE INDEX issues_project_status_last_seen ON issues (project_id, status, last_seen, id);

-- Which issue a grouping hash files events under, and the config that produced the hash.
CREATE TABLE grouphashes (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL,
    hash            TEXT    NOT NULL,
    issue_id        INTEGER NOT NULL,
    grouping_config TEXT    NOT NULL,
    date_added      INTEGER NOT NULL,
    UNIQUE (project_id, hash)
);
CREATE INDEX grouphashes_issue ON grouphashes (issue_id);

-- Distinct users per issue, behind issues.user_count.
CREATE TABLE issue_users (
    issue_id   INTEGER NOT NULL,
    user_ident TEXT    NOT NULL,
    PRIMARY KEY (issue_id, user_ident)
) WITHOUT ROWID;

CREATE TABLE issue_tag_values (
    issue_id   INTEGER NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    times_seen INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (issue_id, key, value)
) WITHOUT ROWID;

-- Events per issue per hour (by event timestamp).
CREATE TABLE issue_buckets (
    issue_id    INTEGER NOT NULL,
    hour_secs   INTEGER NOT NULL,
    event_count INTEGER NOT NULL,
    PRIMARY KEY (issue_id, hour_secs)
) WITHOUT ROWID;

-- ---- Events ----

CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    project_id       INTEGER NOT NULL,
    event_id         TEXT    NOT NULL,
    issue_id         INTEGER,
    event_type       TEXT    NOT NULL,
    timestamp        INTEGER NOT NULL,
    received         INTEGER NOT NULL,
    level            TEXT    NOT NULL,
    platform         TEXT    NOT NULL,
    environment      TEXT,
    release          TEXT,
    transaction_name TEXT,
    trace_id         TEXT,
    title            TEXT    NOT NULL,
    culprit          TEXT    NOT NULL,
    user_ident       TEXT,
    primary_hash     TEXT    NOT NULL,
    payload          BLOB    NOT NULL,
    UNIQUE (project_id, event_id)
);
-- Only the lookups every page needs are indexed (each index costs on every insert); the
-- other filter columns are real columns so search can add indexes as queries demand them.
CREATE INDEX events_issue_timestamp ON events (issue_id, timestamp);
CREATE INDEX events_project_timestamp ON events (project_id, timestamp);
CREATE INDEX events_trace ON events (trace_id) WHERE trace_id IS NOT NULL;

CREATE TABLE transactions (
    id               INTEGER PRIMARY KEY,
    project_id       INTEGER NOT NULL,
    event_id         TEXT    NOT NULL,
    trace_id         TEXT,
    transaction_name TEXT,
    op               TEXT,
    status           TEXT,
    timestamp        INTEGER NOT NULL,
    duration_us      INTEGER,
    received         INTEGER NOT NULL,
    environment      TEXT,
    release          TEXT,
    platform         TEXT    NOT NULL,
    payload          BLOB    NOT NULL,
    UNIQUE (project_id, event_id)
);
CREATE INDEX transactions_project_name_timestamp ON transactions (project_id, transaction_name, timestamp);
CREATE INDEX transactions_trace ON transactions (trace_id) WHERE trace_id IS NOT NULL;

-- Envelope items no feature processes yet, kept as received (payload zstd-compressed).
CREATE TABLE raw_items (
    id                 INTEGER PRIMARY KEY,
    project_id         INTEGER NOT NULL,
    event_id           TEXT,
    item_type          TEXT    NOT NULL,
    headers            TEXT    NOT NULL,
    payload_size_bytes INTEGER NOT NULL,
    received           INTEGER NOT NULL,
    payload            BLOB    NOT NULL
);
CREATE INDEX raw_items_project_type_received ON raw_items (project_id, item_type, received);
CREATE INDEX raw_items_event ON raw_items (project_id, event_id) WHERE event_id IS NOT NULL;

-- Outcomes per project per hour; `reason` is '' when there is none (it is part of the key).
CREATE TABLE outcomes (
    project_id INTEGER NOT NULL,
    hour_secs  INTEGER NOT NULL,
    category   TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    PRIMARY KEY (project_id, hour_secs, category, outcome, reason)
) WITHOUT ROWID;
