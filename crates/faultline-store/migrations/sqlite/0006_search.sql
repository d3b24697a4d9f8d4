-- Issue search: indexes for the issue-list sorts other than `date`.
--
-- `sort=new`, `freq` and `user` order a project's issues by first_seen, times_seen and
-- user_count (ties by id, the keyset cursor's second half). Without these, every page sorts
-- all of a project's issues in a temporary B-tree. times_seen and user_count change once per
-- batch per issue (the batch flush sums them first), so each index costs one entry move per
-- issue per batch, not one per event.
CREATE INDEX issues_project_first_seen ON issues (project_id, first_seen, id);
CREATE INDEX issues_project_times_seen ON issues (project_id, times_seen, id);
CREATE INDEX issues_project_user_count ON issues (project_id, user_count, id);

-- The e-mail addresses of each issue's users, for `user.email:` search. The `user` tag names
-- a user by the first of id, username, email and ip, so a user known by id has no e-mail in
-- any tag; this table keeps every address an event's user carried (after scrubbing). One row
-- per (issue, address): written once per batch at most, never counted. Events stored before
-- this migration are found through the `user` tag only. Deleting an issue deletes its rows.
CREATE TABLE issue_user_emails (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    email    TEXT    NOT NULL,
    PRIMARY KEY (issue_id, email)
) WITHOUT ROWID;
