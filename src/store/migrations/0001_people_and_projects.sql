-- 0001: contracts, their users, platform members and projects.
-- Persisted format: never edit an applied migration; add a new numbered file instead.
CREATE TABLE contracts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  email_provider TEXT NOT NULL DEFAULT 'none'
    CHECK (email_provider IN ('none', 'google', 'microsoft', 'imap')),
  inmail_default_visibility TEXT NOT NULL DEFAULT 'private'
    CHECK (inmail_default_visibility IN ('private', 'contract')),
  internal_domains TEXT NOT NULL DEFAULT '[]',  -- JSON array of domains as entered
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  email_key TEXT NOT NULL UNIQUE,  -- lower-cased email: one seat per address
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'user')),
  password_hash TEXT NOT NULL,     -- argon2id (libsodium crypto_pwhash_str)
  created_at INTEGER NOT NULL
);
CREATE INDEX users_contract ON users(contract_id);

CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email_discovery TEXT NOT NULL DEFAULT 'nobody'
    CHECK (email_discovery IN ('anyone', 'connections', 'nobody')),
  created_at INTEGER NOT NULL
);

CREATE TABLE member_emails (
  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,      -- 0 = the first listed email
  email TEXT NOT NULL,            -- as written
  canonical TEXT NOT NULL UNIQUE, -- match/canonical.hpp
  PRIMARY KEY (member_id, position)
);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (contract_id, name)
);

CREATE TABLE project_candidates (
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, member_id)
);
CREATE INDEX project_candidates_member ON project_candidates(member_id);
