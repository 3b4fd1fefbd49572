-- PostgreSQL variant of 0010_cluster.sql (see it for what each table is): SQLite's 64-bit INTEGER
-- is BIGINT.
CREATE TABLE cluster_nodes (
  id TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  heartbeat_at_ms BIGINT NOT NULL,
  queue_depth BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE mailbox_leases (
  mailbox_id BIGINT PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  holder TEXT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  epoch BIGINT NOT NULL
);
CREATE INDEX mailbox_leases_holder ON mailbox_leases(holder);

CREATE TABLE mailbox_wakeups (
  mailbox_id BIGINT PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  requested_at_ms BIGINT NOT NULL,
  flags BIGINT NOT NULL DEFAULT 0
);
