-- 0005: what the sync engine persists besides messages: the history of every mailbox state change
-- with its cause, provider ids already looked at (opaque ids only, never content), fetches that
-- failed and are being retried, pending OAuth authorizations, and targeted backfills to run.
ALTER TABLE mailboxes ADD COLUMN state_detail TEXT NOT NULL DEFAULT '';   -- log-only text
ALTER TABLE mailboxes ADD COLUMN last_good_sync_at INTEGER;               -- end of the last complete run
ALTER TABLE mailboxes ADD COLUMN retry_at INTEGER NOT NULL DEFAULT 0;     -- throttled/error: not before

CREATE TABLE mailbox_events (
  id INTEGER PRIMARY KEY,
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  state TEXT NOT NULL,
  cause TEXT NOT NULL DEFAULT '',   -- a problem code (model/problems.hpp) or an engine cause
  detail TEXT NOT NULL DEFAULT ''   -- log-only
);
CREATE INDEX mailbox_events_mailbox ON mailbox_events(mailbox_id, id);

-- Provider ids the engine has assessed (matched or not), so a replay of history, a resumed
-- backfill or a resync after an expired cursor does not fetch or count them twice.
CREATE TABLE seen_messages (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  provider_message_id TEXT NOT NULL,
  PRIMARY KEY (mailbox_id, provider_message_id)
) WITHOUT ROWID;

CREATE TABLE fetch_failures (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  provider_message_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, provider_message_id)
) WITHOUT ROWID;

-- A started authorization: the state is stored as a digest; the PKCE verifier encrypted.
CREATE TABLE oauth_states (
  state_digest TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  session_key TEXT NOT NULL,
  provider TEXT NOT NULL,
  verifier_ciphertext BLOB NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A member who became a candidate after the mailbox's backfill: search the window for them.
CREATE TABLE targeted_backfills (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, member_id)
) WITHOUT ROWID;
