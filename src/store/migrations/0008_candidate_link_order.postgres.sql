-- 0008 on PostgreSQL: see 0008_candidate_link_order.sql. No rows to number: SQLite is the only
-- backend that stored links before this migration (rowid order).
ALTER TABLE message_candidates ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
