-- 0009: each mailbox's provider budget (Gmail quota units, Graph requests), kept where every node
-- sees it: a node that restarts, or takes a mailbox over from another, goes on with the window as
-- it was instead of spending the provider's quota a second time (docs/sync.md "Budgets across
-- nodes"). `budget` is the budget's own text (sync/budget.hpp: spends per second and the pause).
CREATE TABLE quota_windows (
  mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  budget TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
