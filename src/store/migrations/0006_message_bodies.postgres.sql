-- PostgreSQL variant of 0006_message_bodies.sql, used instead of it there (embed_migrations.cmake). Same
-- tables, columns, keys and indexes; SQLite's 64-bit INTEGER is BIGINT, its rowid ids are
-- identity columns, BLOB is BYTEA, WITHOUT ROWID has no equivalent (and needs none).
-- 0006: message bodies in a table of their own. A candidate's threads list every message row of
-- the candidate but never a body; with the bodies (kilobytes each, on overflow pages) stored
-- before the snippet, every row read walked their overflow chain. Bodies are read one message at
-- a time (GET /api/messages/{id}, the GDPR export). Every message has exactly one row here.
CREATE TABLE message_bodies (
  message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  text_body TEXT NOT NULL DEFAULT '',
  html_body TEXT NOT NULL DEFAULT ''
);
INSERT INTO message_bodies(message_id, text_body, html_body) SELECT id, text_body, html_body FROM messages;
ALTER TABLE messages DROP COLUMN text_body;
ALTER TABLE messages DROP COLUMN html_body;
