-- 0002: mailboxes, synced messages, threads per (owner, candidate), and pipeline activity.
CREATE TABLE mailboxes (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,             -- google | microsoft | imap | import
  address TEXT NOT NULL,
  canonical_address TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'connecting',
  state_cause TEXT,
  cursor TEXT,                         -- typed per provider (JSON)
  last_synced_at INTEGER,
  backfill_done INTEGER NOT NULL DEFAULT 0,
  backfill_total INTEGER NOT NULL DEFAULT 0,
  seen_count INTEGER NOT NULL DEFAULT 0,
  synced_count INTEGER NOT NULL DEFAULT 0,
  token_ciphertext BLOB,               -- libsodium AEAD; never logged
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (user_id, provider),
  UNIQUE (contract_id, canonical_address, provider)
);

CREATE TABLE mailbox_skips (
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (mailbox_id, reason)
);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  owner_user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
  provider_message_id TEXT NOT NULL,
  provider_thread_id TEXT,
  rfc_message_id TEXT,
  in_reply_to TEXT,
  refs TEXT NOT NULL DEFAULT '[]',     -- JSON array of msg-ids
  kind TEXT NOT NULL DEFAULT 'email' CHECK (kind IN ('email', 'inmail')),
  direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'contract')),
  subject TEXT NOT NULL DEFAULT '',
  sent_at INTEGER NOT NULL,
  text_body TEXT NOT NULL DEFAULT '',
  html_body TEXT NOT NULL DEFAULT '',
  snippet TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  UNIQUE (mailbox_id, provider_message_id)
);

CREATE TABLE message_participants (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  role TEXT NOT NULL,                  -- from | sender | reply_to | to | cc | bcc
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL,
  canonical TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (message_id, position)
);
CREATE INDEX message_participants_canonical ON message_participants(canonical);

CREATE TABLE attachments (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  filename TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (message_id, position)
);

CREATE TABLE threads (
  id INTEGER PRIMARY KEY,
  owner_user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
  subject TEXT NOT NULL DEFAULT '',
  last_message_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX threads_owner_member ON threads(owner_user_id, member_id);

-- Every Message-ID a thread's messages carry or reference (or a provider thread id, "t:..."):
-- the JWZ id table, scoped to (owner, member) so a thread never spans owners or candidates.
CREATE TABLE thread_keys (
  owner_user_id INTEGER NOT NULL,
  member_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  thread_id INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  PRIMARY KEY (owner_user_id, member_id, key)
);
CREATE INDEX thread_keys_thread ON thread_keys(thread_id);

CREATE TABLE message_candidates (
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  thread_id INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  PRIMARY KEY (message_id, member_id)
);
CREATE INDEX message_candidates_member ON message_candidates(member_id);
CREATE INDEX message_candidates_thread ON message_candidates(thread_id);

-- Pipeline activity: every candidate link is an activity, dated by its message. A view, not a
-- table: what a viewer may see depends on each message's owner and visibility, so the pipeline is
-- read through messages anyway, and a second copy of the link could only drift from it.
CREATE VIEW pipeline_activity AS
  SELECT m.contract_id, mc.member_id, m.id AS message_id, m.owner_user_id, m.kind, m.direction,
         m.visibility, m.subject, m.sent_at AS occurred_at
  FROM message_candidates mc JOIN messages m ON m.id = mc.message_id;
