-- 0003: GDPR suppression (digests only, never the address itself) and the audit log.
CREATE TABLE suppressions (
  kind TEXT NOT NULL CHECK (kind IN ('address', 'message')),
  digest TEXT NOT NULL,               -- hex SHA-256 of the canonical address / message key
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, digest)
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
