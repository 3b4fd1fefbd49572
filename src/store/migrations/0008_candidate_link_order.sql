-- 0008: the order in which a message's candidates were linked, kept as data.
--
-- A message that matches several candidates lists them in the order the matcher found them (a
-- second import reports a duplicate with the same list). SQLite kept that order implicitly (rowid);
-- PostgreSQL has no rowid, so the order becomes a column: 0, 1, ... per message, given at link time.
ALTER TABLE message_candidates ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE message_candidates SET position = (
  SELECT COUNT(*) FROM message_candidates earlier
  WHERE earlier.message_id = message_candidates.message_id AND earlier.rowid < message_candidates.rowid);
