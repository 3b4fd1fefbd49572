-- 0007: what operators and recruiters are told about failures that never reach an error path.
--
-- An authorization the user started and that has not come back to our callback: Google and Entra
-- show an organization's refusal (admin policy, not assigned, admin approval) on their own page
-- and never redirect, so the only trace is that nothing returned. One row per user, the latest
-- start; removed when any answer for that user comes back (docs/sync.md "Consent that never
-- comes back").
CREATE TABLE pending_authorizations (
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  started_at INTEGER NOT NULL   -- unix seconds
);

-- Push (Gmail watch, Graph subscriptions) that cannot be set up for a mailbox: the mailbox keeps
-- syncing by polling; the cause is shown to the operator and the contract's admin, and the watch
-- is retried with backoff. Removed when a watch succeeds.
CREATE TABLE push_problems (
  mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  cause TEXT NOT NULL,            -- a problem code (model/problems.hpp)
  detail TEXT NOT NULL DEFAULT '',-- log-only text of the last failure
  since INTEGER NOT NULL,         -- unix seconds of the first failure in a row
  failures INTEGER NOT NULL,      -- failures in a row
  retry_at INTEGER NOT NULL       -- unix seconds: no new attempt before (unless forced)
);
