-- 0009 on PostgreSQL: see 0009_quota_windows.sql (BIGINT for SQLite's 64-bit INTEGER).
CREATE TABLE quota_windows (
  mailbox_id BIGINT PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  budget TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
