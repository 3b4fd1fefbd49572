// SqlStore: authorizations that did not come back and push that cannot be set up (schema:
// migrations/0007_pending_authorizations_and_push_problems.sql).
#include "store/sql/sql_store.hpp"

namespace hiresync::store {

namespace {

constexpr const char* kUpsertPending =
    "INSERT INTO pending_authorizations(user_id, provider, started_at) VALUES (?, ?, ?)"
    " ON CONFLICT(user_id) DO UPDATE SET provider = excluded.provider, started_at = excluded.started_at";
constexpr const char* kDeletePending = "DELETE FROM pending_authorizations WHERE user_id = ?";
constexpr const char* kSelectPending =
    "SELECT user_id, provider, started_at FROM pending_authorizations WHERE user_id = ?";

// A failure in a row keeps the first failure's time, whatever the cause says now.
constexpr const char* kUpsertPushProblem =
    "INSERT INTO push_problems(mailbox_id, cause, detail, since, failures, retry_at) VALUES (?, ?, ?, ?, 1, "
    "?)"
    " ON CONFLICT(mailbox_id) DO UPDATE SET cause = excluded.cause, detail = excluded.detail,"
    " failures = push_problems.failures + 1, retry_at = excluded.retry_at";
constexpr const char* kDeletePushProblem = "DELETE FROM push_problems WHERE mailbox_id = ?";
#define HIRESYNC_PUSH_PROBLEM_COLUMNS \
  "p.mailbox_id, m.contract_id, m.provider, p.cause, p.detail, p.since, p.failures, p.retry_at"
constexpr const char* kSelectPushProblem = "SELECT " HIRESYNC_PUSH_PROBLEM_COLUMNS
                                           " FROM push_problems p JOIN mailboxes m ON m.id = p.mailbox_id"
                                           " WHERE p.mailbox_id = ?";
constexpr const char* kSelectPushProblems =
    "SELECT " HIRESYNC_PUSH_PROBLEM_COLUMNS
    " FROM push_problems p JOIN mailboxes m ON m.id = p.mailbox_id"
    " WHERE (?1 = 0 OR m.contract_id = ?1) AND m.state NOT IN ('disconnected', 'disabled')"
    " ORDER BY p.since, p.mailbox_id";
#undef HIRESYNC_PUSH_PROBLEM_COLUMNS

PushProblem read_push_problem(const sql::Stmt& q) {
  PushProblem p;
  p.mailbox_id = q.int_at(0);
  p.contract_id = q.int_at(1);
  p.provider = q.text_at(2);
  p.cause = q.text_at(3);
  p.detail = q.text_at(4);
  p.since = q.int_at(5);
  p.failures = q.int_at(6);
  p.retry_at = q.int_at(7);
  return p;
}

}  // namespace

Status SqlStore::set_pending_authorization(const PendingAuthorization& pending) {
  auto q = db_->prepare(kUpsertPending);
  if (!q) return q.error();
  return q->bind_all(pending.user_id, pending.provider, pending.started_at).run();
}

Status SqlStore::clear_pending_authorization(Id user_id) {
  auto q = db_->prepare(kDeletePending);
  if (!q) return q.error();
  return q->bind_all(user_id).run();
}

Result<std::optional<PendingAuthorization>> SqlStore::pending_authorization(Id user_id) {
  auto q = db_->prepare(kSelectPending);
  if (!q) return q.error();
  q->bind_all(user_id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<PendingAuthorization>();
  return std::optional<PendingAuthorization>(PendingAuthorization{q->int_at(0), q->text_at(1), q->int_at(2)});
}

Status SqlStore::record_push_problem(Id mailbox_id, const std::string& cause, const std::string& detail,
                                     std::int64_t now, std::int64_t retry_at) {
  return mailbox_write("record_push_problem", [&]() -> Status {
    auto q = db_->prepare(kUpsertPushProblem);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, cause, detail, now, retry_at).run();
  });
}

Status SqlStore::clear_push_problem(Id mailbox_id) {
  return mailbox_write("clear_push_problem", [&]() -> Status {
    auto q = db_->prepare(kDeletePushProblem);
    if (!q) return q.error();
    return q->bind_all(mailbox_id).run();
  });
}

Result<std::optional<PushProblem>> SqlStore::push_problem(Id mailbox_id) {
  auto q = db_->prepare(kSelectPushProblem);
  if (!q) return q.error();
  q->bind_all(mailbox_id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return std::optional<PushProblem>();
  return std::optional<PushProblem>(read_push_problem(*q));
}

Result<std::vector<PushProblem>> SqlStore::push_problems(Id contract_id) {
  auto q = db_->prepare(kSelectPushProblems);
  if (!q) return q.error();
  q->bind_all(contract_id);
  std::vector<PushProblem> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_push_problem(*q));
  }
}

}  // namespace hiresync::store
