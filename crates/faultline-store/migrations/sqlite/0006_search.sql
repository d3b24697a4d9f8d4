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
