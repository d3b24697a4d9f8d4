-- The issue workflow: how an issue was resolved, what keeps it ignored, who it is assigned to,
-- who bookmarked it, and the activity log of who did what to it.

-- How the issue was resolved (`resolved` status only): `now`, `in_release` or
-- `in_next_release`, and the release that counts as fixed (events of that release or an older
-- one do not regress the issue).
ALTER TABLE issues ADD COLUMN resolution_type TEXT;
ALTER TABLE issues ADD COLUMN resolved_in_release TEXT;
-- Assignment: at most one of the two is set.
ALTER TABLE issues ADD COLUMN assignee_user_id INTEGER;
ALTER TABLE issues ADD COLUMN assignee_team_id INTEGER;

-- The condition an ignored issue waits for before it comes back as unresolved (escalating):
-- a time (`until_us`), `event_count` more events (within `event_window_mins` when set), or
-- `user_count` more users (within `user_window_mins`). Counted from `since_us`.
CREATE TABLE issue_snoozes (
    issue_id          INTEGER PRIMARY KEY,
    until_us          INTEGER,
    event_count       INTEGER,
    event_window_mins INTEGER,
    user_count        INTEGER,
    user_window_mins  INTEGER,
    since_us          INTEGER NOT NULL,
    actor_user_id     INTEGER
);
CREATE INDEX issue_snoozes_until ON issue_snoozes (until_us) WHERE until_us IS NOT NULL;

CREATE TABLE issue_bookmarks (
    issue_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    date_created INTEGER NOT NULL,
    PRIMARY KEY (issue_id, user_id)
) WITHOUT ROWID;
CREATE INDEX issue_bookmarks_user ON issue_bookmarks (user_id, issue_id);

-- Who did what to an issue, when: Sentry's activity types (`set_resolved`, `set_ignored`,
-- `set_regression`, `assigned`, `merge`, ...). `user_id` is NULL for what the server did
-- (a regression, a snooze running out). `data` is JSON.
CREATE TABLE issue_activity (
    id           INTEGER PRIMARY KEY,
    issue_id     INTEGER NOT NULL,
    user_id      INTEGER,
    kind         TEXT    NOT NULL,
    data         TEXT    NOT NULL,
    date_created INTEGER NOT NULL
);
CREATE INDEX issue_activity_issue ON issue_activity (issue_id, id);

CREATE INDEX issues_assignee_user ON issues (assignee_user_id) WHERE assignee_user_id IS NOT NULL;
CREATE INDEX issues_assignee_team ON issues (assignee_team_id) WHERE assignee_team_id IS NOT NULL;
