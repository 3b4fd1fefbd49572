-- PostgreSQL variant of 0004_sessions.sql, used instead of it there (embed_migrations.cmake). Same
-- tables, columns, keys and indexes; SQLite's 64-bit INTEGER is BIGINT, its rowid ids are
-- identity columns, BLOB is BYTEA, WITHOUT ROWID has no equivalent (and needs none).
-- 0004: API sessions (a digest of the token, never the token) and the index the candidate
-- profile's thread list reads by (member, contract).
CREATE TABLE sessions (
  token_digest TEXT PRIMARY KEY,       -- hex SHA-256 of the bearer token
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE INDEX threads_member_contract ON threads(member_id, contract_id);
