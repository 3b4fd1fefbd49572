// SqlStore: open and migrate, transactions, contracts, users, members, projects, mailboxes.
// Messages, threads and privacy are in sql_store_mail.cpp.
#include "store/sql/sql_store.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "store/migrations.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_db.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace hiresync::store {

using model::ErrorCode;
using model::make_error;

namespace {

constexpr sql::DialectSql kCreateMigrationsTable = {
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"};
// Nodes of a cluster started together all migrate: on PostgreSQL each migration's transaction
// takes this lock first (released at its end) and re-reads the version, so each applies once.
// SQLite needs none: BEGIN IMMEDIATE already lets one writer in. The key is "hiresync" in ASCII.
constexpr sql::DialectSql kLockMigrations = {"SELECT 1", "SELECT pg_advisory_xact_lock(6874661425303419491)"};
constexpr const char* kSelectSchemaVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr const char* kInsertMigration =
    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)";

constexpr const char* kUpsertContract =
    "INSERT INTO contracts(name, email_provider, inmail_default_visibility, internal_domains, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO UPDATE SET email_provider = ?2,"
    " inmail_default_visibility = ?3, internal_domains = ?4 RETURNING id";
constexpr const char* kSelectContract =
    "SELECT id, name, email_provider, inmail_default_visibility, internal_domains FROM contracts WHERE id = "
    "?";

constexpr const char* kSelectUserByEmail =
    "SELECT id, contract_id, email, name, role FROM users WHERE email_key = ?";
constexpr const char* kInsertUser =
    "INSERT INTO users(contract_id, email, email_key, name, role, password_hash, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
constexpr const char* kUpdateUser = "UPDATE users SET email = ?, name = ?, role = ? WHERE id = ?";
constexpr const char* kUpdateUserPassword = "UPDATE users SET password_hash = ? WHERE id = ?";
constexpr const char* kSelectPasswordHash = "SELECT password_hash FROM users WHERE id = ?";

constexpr const char* kSelectMemberIdByCanonical = "SELECT member_id FROM member_emails WHERE canonical = ?";
constexpr const char* kInsertMember =
    "INSERT INTO members(name, email_discovery, created_at) VALUES (?, ?, ?) RETURNING id";
constexpr const char* kUpdateMember = "UPDATE members SET name = ?, email_discovery = ? WHERE id = ?";
constexpr const char* kDeleteMemberEmails = "DELETE FROM member_emails WHERE member_id = ?";
constexpr const char* kInsertMemberEmail =
    "INSERT INTO member_emails(member_id, position, email, canonical) VALUES (?, ?, ?, ?)";
constexpr const char* kSelectMember = "SELECT id, name, email_discovery FROM members WHERE id = ?";
constexpr const char* kSelectMemberEmails =
    "SELECT email FROM member_emails WHERE member_id = ? ORDER BY position";
constexpr const char* kSelectAllMembers =
    "SELECT m.id, m.name, m.email_discovery, e.email FROM members m"
    " LEFT JOIN member_emails e ON e.member_id = m.id ORDER BY m.id, e.position";

constexpr const char* kUpsertProject =
    "INSERT INTO projects(contract_id, name, created_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT(contract_id, name) DO UPDATE SET name = excluded.name RETURNING id";
constexpr const char* kInsertCandidate =
    "INSERT INTO project_candidates(project_id, member_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
constexpr const char* kDeleteCandidate =
    "DELETE FROM project_candidates WHERE project_id = ? AND member_id = ?";
constexpr const char* kDeleteAllCandidates = "DELETE FROM project_candidates WHERE project_id = ?";
constexpr const char* kSelectSavedMembers =
    "SELECT DISTINCT pc.member_id FROM project_candidates pc JOIN projects p ON p.id = pc.project_id"
    " WHERE p.contract_id = ? ORDER BY pc.member_id";

constexpr const char* kSelectMailboxOfUser =
    "SELECT id, user_id, contract_id, provider, address, state, seen_count, synced_count FROM mailboxes"
    " WHERE user_id = ? AND provider = ?";
constexpr const char* kSelectMailboxHolder =
    "SELECT u.email FROM mailboxes m JOIN users u ON u.id = m.user_id"
    " WHERE m.contract_id = ? AND m.canonical_address = ? AND m.provider = ? AND m.user_id != ?"
    " AND m.state != 'disconnected'";
constexpr const char* kSelectUserContract = "SELECT contract_id FROM users WHERE id = ?";
constexpr const char* kInsertMailbox =
    "INSERT INTO mailboxes(user_id, contract_id, provider, address, canonical_address, state, created_at,"
    " updated_at) VALUES (?, ?, ?, ?, ?, 'live', ?, ?)";
constexpr const char* kAddMailboxCounts =
    "UPDATE mailboxes SET seen_count = seen_count + ?, synced_count = synced_count + ?, last_synced_at = ?,"
    " updated_at = ? WHERE id = ?";
constexpr const char* kAddMailboxSkip =
    "INSERT INTO mailbox_skips(mailbox_id, reason, count) VALUES (?1, ?2, ?3)"
    " ON CONFLICT(mailbox_id, reason) DO UPDATE SET count = mailbox_skips.count + excluded.count";
constexpr const char* kSelectMailboxCounts = "SELECT seen_count, synced_count FROM mailboxes WHERE id = ?";
constexpr const char* kSelectMailboxSkips = "SELECT reason, count FROM mailbox_skips WHERE mailbox_id = ?";

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class SqlTransaction final : public Transaction {
 public:
  explicit SqlTransaction(sql::Db* db) : db_(db) {}
  ~SqlTransaction() override {
    if (!done_) db_->rollback_tx();
  }
  Status commit() override {
    if (done_) return make_error(ErrorCode::kInternal, "transaction already finished");
    done_ = true;
    auto st = db_->commit_tx();
    if (!st) db_->rollback_tx();
    return st;
  }

 private:
  sql::Db* db_;
  bool done_ = false;
};

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

Result<std::unique_ptr<sql::Db>> connect(const std::string& db) {
  if (postgres::is_postgres_uri(db)) {
    auto pg = postgres::Db::open(db);
    if (!pg) return pg.error();
    return std::unique_ptr<sql::Db>(std::move(*pg));
  }
  auto lite = sqlite::Db::open(db);
  if (!lite) return lite.error();
  return std::unique_ptr<sql::Db>(std::move(*lite));
}

}  // namespace

Result<std::unique_ptr<SqlStore>> SqlStore::open(const std::string& db, int max_version) {
  auto conn = connect(db);
  if (!conn) return conn.error();
  return open(std::move(*conn), max_version);
}

Result<std::unique_ptr<SqlStore>> SqlStore::open_current(const std::string& db) {
  auto conn = connect(db);
  if (!conn) return conn.error();
  std::unique_ptr<SqlStore> store(new SqlStore(std::move(*conn)));
  // A database nobody migrated has no bookkeeping table yet: version 0, not an error.
  if (auto st = store->db_->exec(store->db_->pick(kCreateMigrationsTable)); !st) return st.error();
  auto version = store->schema_version();
  if (!version) return version.error();
  const int wanted = all_migrations().back().version;
  if (*version < wanted) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the database schema is at version " + std::to_string(*version) +
                          ", this build needs " + std::to_string(wanted) +
                          ": run `hiresync migrate --db ...` first (docs/postgres.md)");
  }
  return store;
}

Result<std::unique_ptr<SqlStore>> SqlStore::open(std::unique_ptr<sql::Db> db, int max_version) {
  std::unique_ptr<SqlStore> store(new SqlStore(std::move(db)));
  if (auto st = store->migrate(max_version); !st) return st.error();
  return store;
}

Status SqlStore::migrate(int max_version) {
  auto locked = [&]() -> Status {
    auto lock = db_->prepare(kLockMigrations);
    if (!lock) return lock.error();
    return lock->run();
  };
  if (auto st = in_tx("migrate",
                      [&]() -> Status {
                        if (auto l = locked(); !l) return l;
                        return db_->exec(db_->pick(kCreateMigrationsTable));  // DDL: not a prepared statement
                      });
      !st) {
    return st;
  }
  const bool postgres = db_->dialect() == sql::Dialect::kPostgres;
  for (const Migration& m : all_migrations()) {
    if (m.version > max_version) break;
    auto st = in_tx("migrate", [&]() -> Status {
      if (auto l = locked(); !l) return l;
      auto current = schema_version();
      if (!current) return current.error();
      if (m.version <= *current) return {};  // applied before, or by another node meanwhile
      if (auto e = db_->exec(postgres ? m.postgres_sql : m.sql); !e) {
        return make_error(ErrorCode::kInternal, std::string("migration ") + m.name + ": " + e.error().detail);
      }
      auto ins = db_->prepare(kInsertMigration);
      if (!ins) return ins.error();
      if (auto done = ins->bind_all(static_cast<std::int64_t>(m.version), m.name, unix_now()).run(); !done)
        return done;
      applied_.emplace_back(m.name);
      return {};
    });
    if (!st) return st;
  }
  return {};
}

Result<int> SqlStore::schema_version() {
  auto q = db_->prepare(kSelectSchemaVersion);
  if (!q) return q.error();
  auto row = q->step();
  if (!row) return row.error();
  return static_cast<int>(q->int_at(0));
}

Result<std::unique_ptr<Transaction>> SqlStore::begin(std::string_view name) {
  if (auto st = db_->begin_tx(name); !st) return st.error();
  return std::unique_ptr<Transaction>(new SqlTransaction(db_.get()));
}

// --- contracts and users ---------------------------------------------------------------------

Result<Id> SqlStore::upsert_contract(const std::string& name, const model::ContractSettings& settings) {
  auto q = db_->prepare(kUpsertContract);
  if (!q) return q.error();
  const std::string domains = nlohmann::json(settings.internal_domains)
                                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  q->bind_all(name, model::to_string(settings.email_provider),
              model::to_string(settings.inmail_default_visibility), domains, unix_now());
  auto row = q->step();
  if (!row) return row.error();
  return q->int_at(0);
}

Result<model::Contract> SqlStore::get_contract(Id contract_id) {
  auto q = db_->prepare(kSelectContract);
  if (!q) return q.error();
  q->bind_all(contract_id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, "no contract " + std::to_string(contract_id));
  model::Contract c;
  c.id = q->int_at(0);
  c.name = q->text_at(1);
  c.settings.email_provider =
      model::parse_email_provider(q->text_at(2)).value_or(model::EmailProvider::kNone);
  c.settings.inmail_default_visibility =
      model::parse_visibility(q->text_at(3)).value_or(model::Visibility::kPrivate);
  auto domains = nlohmann::json::parse(q->text_at(4), nullptr, /*allow_exceptions=*/false);
  if (domains.is_array()) {
    for (const auto& d : domains) {
      if (d.is_string()) c.settings.internal_domains.push_back(d.get<std::string>());
    }
  }
  return c;
}

Result<Id> SqlStore::upsert_user(const model::User& user, const std::string& password_hash) {
  return in_tx("upsert_user", [&]() -> Result<Id> {
    auto existing = find_user_by_email(user.email);
    if (existing) {
      if (existing->contract_id != user.contract_id) {
        return make_error(ErrorCode::kConflict, "user " + user.email + " belongs to another contract");
      }
      auto upd = db_->prepare(kUpdateUser);
      if (!upd) return upd.error();
      if (auto st = upd->bind_all(user.email, user.name, model::to_string(user.role), existing->id).run();
          !st) {
        return st.error();
      }
      if (!password_hash.empty()) {
        auto pw = db_->prepare(kUpdateUserPassword);
        if (!pw) return pw.error();
        if (auto st = pw->bind_all(password_hash, existing->id).run(); !st) return st.error();
      }
      return existing->id;
    }
    if (existing.error().code != ErrorCode::kNotFound) return existing.error();
    if (password_hash.empty()) return make_error(ErrorCode::kInvalidArgument, "a new user needs a password");
    auto ins = db_->prepare(kInsertUser);
    if (!ins) return ins.error();
    ins->bind_all(user.contract_id, user.email, lower_ascii(user.email), user.name,
                  model::to_string(user.role), password_hash, unix_now());
    return ins->single_int();
  });
}

Result<model::User> SqlStore::find_user_by_email(std::string_view email) {
  auto q = db_->prepare(kSelectUserByEmail);
  if (!q) return q.error();
  q->bind_all(lower_ascii(email));
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, "no user " + std::string(email));
  model::User u;
  u.id = q->int_at(0);
  u.contract_id = q->int_at(1);
  u.email = q->text_at(2);
  u.name = q->text_at(3);
  u.role = model::parse_user_role(q->text_at(4)).value_or(model::UserRole::kUser);
  return u;
}

Result<std::string> SqlStore::password_hash_of(Id user_id) {
  auto q = db_->prepare(kSelectPasswordHash);
  if (!q) return q.error();
  q->bind_all(user_id);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, "no user " + std::to_string(user_id));
  return q->text_at(0);
}

// --- members ---------------------------------------------------------------------------------

Result<Id> SqlStore::upsert_member(const model::Member& member, const std::vector<std::string>& canonicals) {
  if (member.emails.size() != canonicals.size() || member.emails.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a member needs at least one email");
  }
  return in_tx("upsert_member", [&]() -> Result<Id> {
    Id id = 0;
    for (const auto& c : canonicals) {
      auto q = db_->prepare(kSelectMemberIdByCanonical);
      if (!q) return q.error();
      q->bind_all(c);
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) continue;
      const Id found = q->int_at(0);
      if (id != 0 && found != id) {
        return make_error(ErrorCode::kConflict,
                          "addresses of " + member.emails[0] + " belong to two members");
      }
      id = found;
    }
    const char* discovery = model::to_string(member.email_discovery);
    if (id == 0) {
      auto ins = db_->prepare(kInsertMember);
      if (!ins) return ins.error();
      auto inserted = ins->bind_all(member.name, discovery, unix_now()).single_int();
      if (!inserted) return inserted.error();
      id = *inserted;
    } else {
      auto upd = db_->prepare(kUpdateMember);
      if (!upd) return upd.error();
      if (auto st = upd->bind_all(member.name, discovery, id).run(); !st) return st.error();
      auto del = db_->prepare(kDeleteMemberEmails);
      if (!del) return del.error();
      if (auto st = del->bind_all(id).run(); !st) return st.error();
    }
    for (std::size_t i = 0; i < canonicals.size(); ++i) {
      auto ins = db_->prepare(kInsertMemberEmail);
      if (!ins) return ins.error();
      ins->bind_all(id, static_cast<std::int64_t>(i), member.emails[i], canonicals[i]);
      if (auto st = ins->run(); !st) {
        if (st.error().code == ErrorCode::kConflict) {
          return make_error(ErrorCode::kConflict, member.emails[i] + " is listed twice");
        }
        return st.error();
      }
    }
    return id;
  });
}

Result<model::Member> SqlStore::find_member_by_canonical(std::string_view canonical) {
  auto q = db_->prepare(kSelectMemberIdByCanonical);
  if (!q) return q.error();
  q->bind_all(canonical);
  auto row = q->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, "no member with that address");
  const Id id = q->int_at(0);
  return get_member(id);
}

Result<model::Member> SqlStore::get_member(Id member_id) {
  model::Member m;
  {
    auto q = db_->prepare(kSelectMember);
    if (!q) return q.error();
    q->bind_all(member_id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return make_error(ErrorCode::kNotFound, "no member " + std::to_string(member_id));
    m.id = q->int_at(0);
    m.name = q->text_at(1);
    m.email_discovery = model::parse_discovery(q->text_at(2)).value_or(model::Discovery::kNobody);
  }
  auto q = db_->prepare(kSelectMemberEmails);
  if (!q) return q.error();
  auto emails = q->bind_all(member_id).texts();
  if (!emails) return emails.error();
  m.emails = std::move(*emails);
  return m;
}

Result<std::vector<model::Member>> SqlStore::list_members() {
  auto q = db_->prepare(kSelectAllMembers);
  if (!q) return q.error();
  std::vector<model::Member> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    const Id id = q->int_at(0);
    if (out.empty() || out.back().id != id) {
      model::Member m;
      m.id = id;
      m.name = q->text_at(1);
      m.email_discovery = model::parse_discovery(q->text_at(2)).value_or(model::Discovery::kNobody);
      out.push_back(std::move(m));
    }
    if (!q->null_at(3)) out.back().emails.push_back(q->text_at(3));
  }
  return out;
}

// --- projects --------------------------------------------------------------------------------

Result<Id> SqlStore::upsert_project(Id contract_id, const std::string& name) {
  auto q = db_->prepare(kUpsertProject);
  if (!q) return q.error();
  q->bind_all(contract_id, name, unix_now());
  auto row = q->step();
  if (!row) return row.error();
  return q->int_at(0);
}

Status SqlStore::set_project_candidates(Id project_id, const std::vector<Id>& member_ids) {
  return in_tx("set_project_candidates", [&]() -> Status {
    auto del = db_->prepare(kDeleteAllCandidates);
    if (!del) return del.error();
    if (auto st = del->bind_all(project_id).run(); !st) return st;
    for (Id m : member_ids) {
      if (auto st = add_candidate(project_id, m); !st) return st;
    }
    return {};
  });
}

Status SqlStore::add_candidate(Id project_id, Id member_id) {
  auto q = db_->prepare(kInsertCandidate);
  if (!q) return q.error();
  return q->bind_all(project_id, member_id, unix_now()).run();
}

Status SqlStore::remove_candidate(Id project_id, Id member_id) {
  auto q = db_->prepare(kDeleteCandidate);
  if (!q) return q.error();
  return q->bind_all(project_id, member_id).run();
}

Result<std::vector<Id>> SqlStore::saved_member_ids(Id contract_id) {
  auto q = db_->prepare(kSelectSavedMembers);
  if (!q) return q.error();
  return q->bind_all(contract_id).ints();
}

// --- mailboxes -------------------------------------------------------------------------------

Result<Id> SqlStore::contract_of_user(Id user_id) {
  auto uc = db_->prepare(kSelectUserContract);
  if (!uc) return uc.error();
  uc->bind_all(user_id);
  auto row = uc->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, "no user " + std::to_string(user_id));
  return uc->int_at(0);
}

Status SqlStore::check_address_free(Id contract_id, const std::string& canonical_address,
                                    const std::string& provider, Id user_id) {
  auto holder = db_->prepare(kSelectMailboxHolder);
  if (!holder) return holder.error();
  holder->bind_all(contract_id, canonical_address, provider, user_id);
  auto row = holder->step();
  if (!row) return row.error();
  if (*row) return make_error(ErrorCode::kConflict, holder->text_at(0));
  return Status();
}

Result<Mailbox> SqlStore::ensure_mailbox(Id user_id, const std::string& provider, const std::string& address,
                                         const std::string& canonical_address) {
  return in_tx("ensure_mailbox", [&]() -> Result<Mailbox> {
    auto read = [&]() -> Result<std::optional<Mailbox>> {
      auto q = db_->prepare(kSelectMailboxOfUser);
      if (!q) return q.error();
      q->bind_all(user_id, provider);
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) return std::optional<Mailbox>();
      Mailbox m;
      m.id = q->int_at(0);
      m.user_id = q->int_at(1);
      m.contract_id = q->int_at(2);
      m.provider = q->text_at(3);
      m.address = q->text_at(4);
      m.state = q->text_at(5);
      m.seen_count = q->int_at(6);
      m.synced_count = q->int_at(7);
      return std::optional<Mailbox>(std::move(m));
    };
    auto existing = read();
    if (!existing) return existing.error();
    if (*existing) return **existing;

    auto contract_id = contract_of_user(user_id);
    if (!contract_id) return contract_id.error();
    if (auto free = check_address_free(*contract_id, canonical_address, provider, user_id); !free) {
      return make_error(ErrorCode::kConflict, address + " is already connected by " + free.error().detail);
    }
    auto ins = db_->prepare(kInsertMailbox);
    if (!ins) return ins.error();
    const auto now = unix_now();
    if (auto st = ins->bind_all(user_id, *contract_id, provider, address, canonical_address, now, now).run();
        !st) {
      return st.error();
    }
    auto created = read();
    if (!created) return created.error();
    return **created;
  });
}

Status SqlStore::add_mailbox_counts(Id mailbox_id, const MailboxCounts& counts) {
  return mailbox_write("add_mailbox_counts", [&]() -> Status {
    return in_tx("add_mailbox_counts", [&]() -> Status {
      auto q = db_->prepare(kAddMailboxCounts);
      if (!q) return q.error();
      const auto now = unix_now();
      if (auto st = q->bind_all(counts.seen, counts.synced, now, now, mailbox_id).run(); !st) return st;
      for (const auto& [reason, n] : counts.skipped) {
        auto s = db_->prepare(kAddMailboxSkip);
        if (!s) return s.error();
        if (auto st = s->bind_all(mailbox_id, reason, n).run(); !st) return st;
      }
      return {};
    });
  });
}

Result<MailboxCounts> SqlStore::mailbox_counts(Id mailbox_id) {
  MailboxCounts out;
  {
    auto q = db_->prepare(kSelectMailboxCounts);
    if (!q) return q.error();
    q->bind_all(mailbox_id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return make_error(ErrorCode::kNotFound, "no mailbox " + std::to_string(mailbox_id));
    out.seen = q->int_at(0);
    out.synced = q->int_at(1);
  }
  auto q = db_->prepare(kSelectMailboxSkips);
  if (!q) return q.error();
  q->bind_all(mailbox_id);
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.skipped[q->text_at(0)] = q->int_at(1);
  }
  return out;
}

Status SqlStore::audit(const std::string& actor, const std::string& action, const std::string& subject,
                       const std::string& detail) {
  static constexpr const char* kInsertAudit =
      "INSERT INTO audit_log(at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)";
  auto q = db_->prepare(kInsertAudit);
  if (!q) return q.error();
  return q->bind_all(unix_now(), actor, action, subject, detail).run();
}

}  // namespace hiresync::store
