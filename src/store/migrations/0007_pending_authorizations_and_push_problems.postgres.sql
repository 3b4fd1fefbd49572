-- PostgreSQL variant of 0007_pending_authorizations_and_push_problems.sql, used instead of it there (embed_migrations.cmake). Same
-- tables, columns, keys and indexes; SQLite's 64-bit INTEGER is BIGINT, its rowid ids are
-- identity columns, BLOB is BYTEA, WITHOUT ROWID has no equivalent (and needs none).
-- 0007: what operators and recruiters are told about failures that never reach an error path.
--
-- An authorization the user started and that has not come back to our callback: Google and Entra
-- show an organization's refusal (admin policy, not assigned, admin approval) on their own page
-- and never redirect, so the only trace is that nothing returned. One row per user, the latest
-- start; removed when any answer for that user comes back (docs/sync.md "Consent that never
-- comes back").
CREATE TABLE pending_authorizations (
  user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  started_at BIGINT NOT NULL   -- unix seconds
);

-- Push (Gmail watch, Graph subscriptions) that cannot be set up for a mailbox: the mailbox keeps
-- syncing by polling; the cause is shown to the operator and the contract's admin, and the watch
-- is retried with backoff. Removed when a watch succeeds.
CREATE TABLE push_problems (
  mailbox_id BIGINT PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  cause TEXT NOT NULL,            -- a problem code (model/problems.hpp)
  detail TEXT NOT NULL DEFAULT '',-- log-only text of the last failure
  since BIGINT NOT NULL,         -- unix seconds of the first failure in a row
  failures BIGINT NOT NULL,      -- failures in a row
  retry_at BIGINT NOT NULL       -- unix seconds: no new attempt before (unless forced)
);
