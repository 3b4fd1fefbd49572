-- 0004: API sessions (a digest of the token, never the token) and the index the candidate
-- profile's thread list reads by (member, contract).
CREATE TABLE sessions (
  token_digest TEXT PRIMARY KEY,       -- hex SHA-256 of the bearer token
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE INDEX threads_member_contract ON threads(member_id, contract_id);
