// SqlStore: what the sync engine persists (mailbox state, seen ids, fetch failures, OAuth
// states, targeted backfills). Schema: migrations/0005_sync.sql.
#include "store/sql/sql_store.hpp"

namespace hiresync::store {

namespace {

using model::ErrorCode;
using model::make_error;

#define HIRESYNC_MAILBOX_COLUMNS                                                                         \
  "m.id, m.user_id, m.contract_id, m.provider, m.address, m.state, m.seen_count, m.synced_count,"        \
  " m.canonical_address, COALESCE(m.state_cause, ''), COALESCE(m.cursor, ''),"                           \
  " COALESCE(m.last_synced_at, 0), COALESCE(m.last_good_sync_at, 0), m.backfill_done, m.backfill_total," \
  " m.retry_at, COALESCE(m.token_ciphertext, ''),"                                                       \
  " (SELECT COUNT(*) FROM fetch_failures f WHERE f.mailbox_id = m.id)"

constexpr const char* kSelectMailbox = "SELECT " HIRESYNC_MAILBOX_COLUMNS " FROM mailboxes m WHERE m.id = ?";
// The user's mailbox with the contract's current provider first, then the most recently changed.
constexpr const char* kSelectMailboxOfUserAny =
    "SELECT " HIRESYNC_MAILBOX_COLUMNS
    " FROM mailboxes m JOIN contracts c ON c.id = m.contract_id WHERE m.user_id = ?"
    " AND m.provider NOT IN ('import', 'inmail')"
    " ORDER BY (m.provider = c.email_provider) DESC, m.updated_at DESC, m.id DESC LIMIT 1";
constexpr const char* kSelectSyncable =
    "SELECT " HIRESYNC_MAILBOX_COLUMNS " FROM mailboxes m WHERE " HIRESYNC_SYNCABLE
    " AND (?1 = 0 OR m.contract_id = ?1)"
    " ORDER BY m.id";
constexpr const char* kSelectByAddress =
    "SELECT " HIRESYNC_MAILBOX_COLUMNS
    " FROM mailboxes m WHERE m.provider = ? AND m.canonical_address = ? ORDER BY m.id";
#undef HIRESYNC_MAILBOX_COLUMNS

// A disconnected mailbox of another user no longer holds the address: it gives it up.
constexpr const char* kReleaseAddress =
    "UPDATE mailboxes SET canonical_address = canonical_address || '#released-' || id"
    " WHERE contract_id = ? AND canonical_address = ? AND provider = ? AND user_id != ? AND state = "
    "'disconnected'";
constexpr const char* kUpsertMailbox =
    "INSERT INTO mailboxes(user_id, contract_id, provider, address, canonical_address, state, state_cause,"
    " token_ciphertext, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'connecting', '', ?6, ?7, ?7)"
    " ON CONFLICT (user_id, provider) DO UPDATE SET address = excluded.address,"
    " canonical_address = excluded.canonical_address, state = 'connecting', state_cause = '',"
    " token_ciphertext = excluded.token_ciphertext, retry_at = 0, updated_at = excluded.updated_at";
constexpr const char* kSelectMailboxIdOfUser = "SELECT id FROM mailboxes WHERE user_id = ? AND provider = ?";
constexpr const char* kSetState =
    "UPDATE mailboxes SET state = ?2, state_cause = ?3, state_detail = ?4, retry_at = ?5, updated_at = ?6"
    " WHERE id = ?1";
constexpr const char* kInsertEvent =
    "INSERT INTO mailbox_events(mailbox_id, at, state, cause, detail) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kSelectLastEvent =
    "SELECT state, cause FROM mailbox_events WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1";
constexpr const char* kSelectEvents =
    "SELECT state, cause FROM mailbox_events WHERE mailbox_id = ? ORDER BY id";
constexpr const char* kSaveTokens =
    "UPDATE mailboxes SET token_ciphertext = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char* kSaveCursor = "UPDATE mailboxes SET cursor = ?2 WHERE id = ?1";
constexpr const char* kSaveQuotaWindow =
    "INSERT INTO quota_windows(mailbox_id, budget, updated_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (mailbox_id) DO UPDATE SET budget = excluded.budget, updated_at = excluded.updated_at";
constexpr const char* kSelectQuotaWindow = "SELECT budget FROM quota_windows WHERE mailbox_id = ?";
constexpr const char* kSetBackfill =
    "UPDATE mailboxes SET backfill_done = ?2, backfill_total = ?3 WHERE id = ?1";
constexpr const char* kMarkSynced =
    "UPDATE mailboxes SET last_synced_at = ?2,"
    " last_good_sync_at = CASE WHEN ?3 THEN ?2 ELSE last_good_sync_at END WHERE id = ?1";
constexpr const char* kSelectSeen =
    "SELECT 1 FROM seen_messages WHERE mailbox_id = ? AND provider_message_id = ?";
constexpr const char* kInsertSeen =
    "INSERT INTO seen_messages(mailbox_id, provider_message_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
constexpr const char* kRecordFailure =
    "INSERT INTO fetch_failures(mailbox_id, provider_message_id, attempts, last_error, updated_at)"
    " VALUES (?1, ?2, 1, ?3, ?4) ON CONFLICT (mailbox_id, provider_message_id) DO UPDATE"
    " SET attempts = fetch_failures.attempts + 1,"
    " last_error = excluded.last_error, updated_at = excluded.updated_at";
constexpr const char* kClearFailure =
    "DELETE FROM fetch_failures WHERE mailbox_id = ? AND provider_message_id = ?";
constexpr const char* kInsertOAuthState =
    "INSERT INTO oauth_states(state_digest, user_id, session_key, provider, verifier_ciphertext, expires_at)"
    " VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* kSelectOAuthState =
    "SELECT user_id, session_key, provider, verifier_ciphertext, expires_at FROM oauth_states"
    " WHERE state_digest = ?";
constexpr const char* kDeleteOAuthState = "DELETE FROM oauth_states WHERE state_digest = ? OR expires_at < ?";
constexpr const char* kInsertTargeted =
    "INSERT INTO targeted_backfills(mailbox_id, member_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO "
    "NOTHING";
constexpr const char* kSelectTargeted =
    "SELECT member_id FROM targeted_backfills WHERE mailbox_id = ? ORDER BY created_at, member_id";
constexpr const char* kDeleteTargeted =
    "DELETE FROM targeted_backfills WHERE mailbox_id = ? AND member_id = ?";

Mailbox read_mailbox(const sql::Stmt& q) {
  Mailbox m;
  m.id = q.int_at(0);
  m.user_id = q.int_at(1);
  m.contract_id = q.int_at(2);
  m.provider = q.text_at(3);
  m.address = q.text_at(4);
  m.state = q.text_at(5);
  m.seen_count = q.int_at(6);
  m.synced_count = q.int_at(7);
  m.canonical_address = q.text_at(8);
  m.state_cause = q.text_at(9);
  m.cursor = q.text_at(10);
  m.last_synced_at = q.int_at(11);
  m.last_good_sync_at = q.int_at(12);
  m.backfill_done = q.int_at(13);
  m.backfill_total = q.int_at(14);
  m.retry_at = q.int_at(15);
  m.token_ciphertext = q.blob_at(16);
  m.failed_fetches = q.int_at(17);
  return m;
}

Result<std::vector<Mailbox>> read_mailboxes(sql::Stmt& q) {
  std::vector<Mailbox> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_mailbox(q));
  }
}

}  // namespace

Result<Mailbox> SqlStore::get_mailbox(Id mailbox_id) {
  auto q = db_->prepare(kSelectMailbox);
  if (!q) return q.error();
  q->bind_all(mailbox_id);
  auto rows = read_mailboxes(*q);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::kNotFound, "no mailbox " + std::to_string(mailbox_id));
  return std::move(rows->front());
}

Result<Mailbox> SqlStore::mailbox_of_user(Id user_id) {
  auto q = db_->prepare(kSelectMailboxOfUserAny);
  if (!q) return q.error();
  q->bind_all(user_id);
  auto rows = read_mailboxes(*q);
  if (!rows) return rows.error();
  if (rows->empty()) return make_error(ErrorCode::kNotFound, "user has no mailbox");
  return std::move(rows->front());
}

Result<std::vector<Mailbox>> SqlStore::syncable_mailboxes(Id contract_id) {
  auto q = db_->prepare(kSelectSyncable);
  if (!q) return q.error();
  q->bind_all(contract_id);
  return read_mailboxes(*q);
}

Result<std::vector<Mailbox>> SqlStore::mailboxes_by_address(const std::string& provider,
                                                            const std::string& canonical_address) {
  auto q = db_->prepare(kSelectByAddress);
  if (!q) return q.error();
  q->bind_all(provider, canonical_address);
  return read_mailboxes(*q);
}

Result<Mailbox> SqlStore::connect_mailbox(Id user_id, const std::string& provider, const std::string& address,
                                          const std::string& canonical_address,
                                          const std::string& token_ciphertext) {
  return in_tx("connect_mailbox", [&]() -> Result<Mailbox> {
    auto contract = contract_of_user(user_id);
    if (!contract) return contract.error();
    const Id contract_id = *contract;
    if (auto free = check_address_free(contract_id, canonical_address, provider, user_id); !free)
      return free.error();

    auto release = db_->prepare(kReleaseAddress);
    if (!release) return release.error();
    if (auto st = release->bind_all(contract_id, canonical_address, provider, user_id).run(); !st)
      return st.error();
    auto up = db_->prepare(kUpsertMailbox);
    if (!up) return up.error();
    if (auto st = up->bind_all(user_id, contract_id, provider, address, canonical_address,
                               sql::Blob{token_ciphertext}, unix_now())
                      .run();
        !st) {
      return st.error();
    }
    auto id = db_->prepare(kSelectMailboxIdOfUser);
    if (!id) return id.error();
    id->bind_all(user_id, provider);
    auto ids = id->ints();
    if (!ids) return ids.error();
    if (ids->empty()) return make_error(ErrorCode::kInternal, "mailbox vanished after upsert");
    const Id mailbox_id = ids->front();
    auto ev = db_->prepare(kInsertEvent);
    if (!ev) return ev.error();
    if (auto st = ev->bind_all(mailbox_id, unix_now(), "connecting", "authorized", "").run(); !st)
      return st.error();
    return get_mailbox(mailbox_id);
  });
}

Status SqlStore::set_mailbox_state(Id mailbox_id, const std::string& state, const std::string& cause,
                                   const std::string& detail, std::int64_t retry_at) {
  return mailbox_write("set_mailbox_state", [&]() -> Status {
    return in_tx("set_mailbox_state", [&]() -> Status {
      const auto now = unix_now();
      auto up = db_->prepare(kSetState);
      if (!up) return up.error();
      if (auto st = up->bind_all(mailbox_id, state, cause, detail, retry_at, now).run(); !st) return st;
      // The history keeps changes, not repetitions: a mailbox polled every minute while live would
      // otherwise write an event per run.
      auto last = db_->prepare(kSelectLastEvent);
      if (!last) return last.error();
      last->bind_all(mailbox_id);
      auto row = last->step();
      if (!row) return row.error();
      if (*row && last->text_at(0) == state && last->text_at(1) == cause) return Status();
      auto ev = db_->prepare(kInsertEvent);
      if (!ev) return ev.error();
      return ev->bind_all(mailbox_id, now, state, cause, detail).run();
    });
  });
}

Status SqlStore::save_tokens(Id mailbox_id, const std::string& token_ciphertext) {
  return mailbox_write("save_tokens", [&]() -> Status {
    auto q = db_->prepare(kSaveTokens);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, sql::Blob{token_ciphertext}, unix_now()).run();
  });
}

Status SqlStore::save_cursor(Id mailbox_id, const std::string& cursor) {
  return mailbox_write("save_cursor", [&]() -> Status {
    auto q = db_->prepare(kSaveCursor);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, cursor).run();
  });
}

Status SqlStore::save_quota_window(Id mailbox_id, const std::string& window) {
  return mailbox_write("save_quota_window", [&]() -> Status {
    auto q = db_->prepare(kSaveQuotaWindow);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, window, unix_now()).run();
  });
}

Result<std::string> SqlStore::quota_window(Id mailbox_id) {
  auto q = db_->prepare(kSelectQuotaWindow);
  if (!q) return q.error();
  auto row = q->bind_all(mailbox_id).step();
  if (!row) return row.error();
  return *row ? q->text_at(0) : std::string();
}

Status SqlStore::set_backfill_progress(Id mailbox_id, std::int64_t done, std::int64_t total) {
  return mailbox_write("set_backfill_progress", [&]() -> Status {
    auto q = db_->prepare(kSetBackfill);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, done, total).run();
  });
}

Status SqlStore::mark_synced(Id mailbox_id, std::int64_t now, bool complete) {
  return mailbox_write("mark_synced", [&]() -> Status {
    auto q = db_->prepare(kMarkSynced);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, now, complete ? 1 : 0).run();
  });
}

Result<std::vector<std::pair<std::string, std::string>>> SqlStore::mailbox_events(Id mailbox_id) {
  auto q = db_->prepare(kSelectEvents);
  if (!q) return q.error();
  q->bind_all(mailbox_id);
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.emplace_back(q->text_at(0), q->text_at(1));
  }
}

Result<bool> SqlStore::was_seen(Id mailbox_id, std::string_view provider_message_id) {
  auto q = db_->prepare(kSelectSeen);
  if (!q) return q.error();
  q->bind_all(mailbox_id, provider_message_id);
  return q->step();
}

Status SqlStore::mark_seen(Id mailbox_id, std::string_view provider_message_id) {
  return mailbox_write("mark_seen", [&]() -> Status {
    auto q = db_->prepare(kInsertSeen);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, provider_message_id).run();
  });
}

Status SqlStore::record_fetch_failure(Id mailbox_id, std::string_view provider_message_id,
                                      const std::string& error) {
  return mailbox_write("record_fetch_failure", [&]() -> Status {
    auto q = db_->prepare(kRecordFailure);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, provider_message_id, error, unix_now()).run();
  });
}

Status SqlStore::clear_fetch_failure(Id mailbox_id, std::string_view provider_message_id) {
  return mailbox_write("clear_fetch_failure", [&]() -> Status {
    auto q = db_->prepare(kClearFailure);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, provider_message_id).run();
  });
}

Status SqlStore::create_oauth_state(const std::string& state_digest, const OAuthState& state) {
  auto q = db_->prepare(kInsertOAuthState);
  if (!q) return q.error();
  return q
      ->bind_all(state_digest, state.user_id, state.session_key, state.provider,
                 sql::Blob{state.verifier_ciphertext}, state.expires_at)
      .run();
}

Result<OAuthState> SqlStore::take_oauth_state(const std::string& state_digest, std::int64_t now) {
  return in_tx("take_oauth_state", [&]() -> Result<OAuthState> {
    auto q = db_->prepare(kSelectOAuthState);
    if (!q) return q.error();
    q->bind_all(state_digest);
    auto row = q->step();
    if (!row) return row.error();
    std::optional<OAuthState> found;
    if (*row) {
      found = OAuthState{q->int_at(0), q->text_at(1), q->text_at(2), q->blob_at(3), q->int_at(4)};
    }
    auto del = db_->prepare(kDeleteOAuthState);  // single use; expired ones go too
    if (!del) return del.error();
    if (auto st = del->bind_all(state_digest, now).run(); !st) return st.error();
    if (!found || found->expires_at < now)
      return make_error(ErrorCode::kNotFound, "unknown or expired state");
    return *found;
  });
}

Status SqlStore::add_targeted_backfill(Id mailbox_id, Id member_id) {
  return mailbox_write("add_targeted_backfill", [&]() -> Status {
    auto q = db_->prepare(kInsertTargeted);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, member_id, unix_now()).run();
  });
}

Result<std::vector<Id>> SqlStore::targeted_backfills(Id mailbox_id) {
  auto q = db_->prepare(kSelectTargeted);
  if (!q) return q.error();
  q->bind_all(mailbox_id);
  return q->ints();
}

Status SqlStore::remove_targeted_backfill(Id mailbox_id, Id member_id) {
  return mailbox_write("remove_targeted_backfill", [&]() -> Status {
    auto q = db_->prepare(kDeleteTargeted);
    if (!q) return q.error();
    return q->bind_all(mailbox_id, member_id).run();
  });
}

}  // namespace hiresync::store
