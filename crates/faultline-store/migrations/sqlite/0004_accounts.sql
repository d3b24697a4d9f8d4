-- Accounts and tenancy: token expiry and when a token was last used.
--
-- Roles stay in `memberships.role` (owner, admin, member; `manager` is read as admin).

ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
