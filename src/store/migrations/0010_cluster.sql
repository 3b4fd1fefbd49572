-- 0010: a cluster of `hiresync serve` nodes on one PostgreSQL (docs/postgres.md "Cluster").
-- SQLite creates the tables too (one schema for both); a single SQLite node never writes them.
--
-- The nodes alive: each upserts its row every heartbeat (with its sync queue depth, for
-- GET /api/ops/cluster) and deletes it when it stops; a node killed outright leaves a stale row,
-- which counts as dead once its heartbeat is older than the lease.
CREATE TABLE cluster_nodes (
  id TEXT PRIMARY KEY,                 -- --node-id, default <hostname>:<port>
  address TEXT NOT NULL,               -- where it serves (its --listen or public URL)
  started_at INTEGER NOT NULL,         -- unix milliseconds
  heartbeat_at_ms INTEGER NOT NULL,    -- unix milliseconds of its last heartbeat
  queue_depth INTEGER NOT NULL DEFAULT 0
);

-- Which node syncs a mailbox. The epoch grows every time the lease is taken (by another node, or
-- again after it lapsed), and every write a sync run makes checks holder and epoch in its own
-- transaction: a node that lost the lease (paused, partitioned) writes nothing. A released lease
-- keeps its row (holder '', expired) so the next holder's epoch is still higher.
CREATE TABLE mailbox_leases (
  mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  holder TEXT NOT NULL,                -- node id; '' when released
  expires_at_ms INTEGER NOT NULL,      -- unix milliseconds
  epoch INTEGER NOT NULL
);
CREATE INDEX mailbox_leases_holder ON mailbox_leases(holder);

-- A wakeup for a mailbox (push, Graph notification, OAuth callback, "sync now", a new candidate)
-- that reached a node other than the holder. Recorded so that a NOTIFY lost with a connection, or a
-- lease that changes hands meanwhile, still finds its way: the holder takes them every heartbeat.
CREATE TABLE mailbox_wakeups (
  mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  requested_at_ms INTEGER NOT NULL,    -- unix milliseconds of the first request not yet taken
  flags INTEGER NOT NULL DEFAULT 0     -- what to do besides running (store/cluster_store.hpp kWake*)
);
