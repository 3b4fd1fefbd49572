// SqlStore: sessions and what the HTTP API reads (users, projects, visible threads).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "store/sql/sql_store.hpp"

namespace hiresync::store {

using model::ErrorCode;
using model::make_error;

namespace {

constexpr const char* kDeleteExpiredSessions = "DELETE FROM sessions WHERE expires_at <= ?";
constexpr const char* kInsertSession =
    "INSERT INTO sessions(token_digest, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)";
constexpr const char* kSelectSessionUser =
    "SELECT u.id, u.contract_id, u.email, u.name, u.role FROM sessions s JOIN users u ON u.id = s.user_id"
    " WHERE s.token_digest = ? AND s.expires_at > ?";
constexpr const char* kDeleteSession = "DELETE FROM sessions WHERE token_digest = ?";
constexpr const char* kPing = "SELECT 1";

constexpr const char* kInsertContract =
    "INSERT INTO contracts(name, email_provider, inmail_default_visibility, internal_domains, created_at)"
    " VALUES (?, ?, ?, ?, ?) RETURNING id";
constexpr const char* kUpdateContractSettings =
    "UPDATE contracts SET email_provider = ?, inmail_default_visibility = ?, internal_domains = ? WHERE id = "
    "?";
constexpr const char* kSelectUser = "SELECT id, contract_id, email, name, role FROM users WHERE id = ?";

constexpr const char* kSelectMemberExists = "SELECT 1 FROM members WHERE id = ?";
constexpr const char* kSelectMemberOfCanonical = "SELECT member_id FROM member_emails WHERE canonical = ?";
constexpr const char* kUpdateMemberRow = "UPDATE members SET name = ?, email_discovery = ? WHERE id = ?";
constexpr const char* kDeleteMemberEmailRows = "DELETE FROM member_emails WHERE member_id = ?";
constexpr const char* kInsertMemberEmailRow =
    "INSERT INTO member_emails(member_id, position, email, canonical) VALUES (?, ?, ?, ?)";

constexpr const char* kSelectContractsOfCandidate =
    "SELECT DISTINCT p.contract_id FROM project_candidates pc JOIN projects p ON p.id = pc.project_id"
    " WHERE pc.member_id = ? ORDER BY p.contract_id";
constexpr const char* kSelectIsCandidate =
    "SELECT 1 FROM project_candidates pc JOIN projects p ON p.id = pc.project_id"
    " WHERE pc.member_id = ?2 AND p.contract_id = ?1 LIMIT 1";
constexpr const char* kSelectProject =
    "SELECT p.id, p.contract_id, p.name, pc.member_id FROM projects p"
    " LEFT JOIN project_candidates pc ON pc.project_id = p.id WHERE p.id = ? ORDER BY pc.member_id";
constexpr const char* kSelectProjects =
    "SELECT p.id, p.contract_id, p.name, pc.member_id FROM projects p"
    " LEFT JOIN project_candidates pc ON pc.project_id = p.id WHERE p.contract_id = ?"
    " ORDER BY p.name, p.id, pc.member_id";

// Every (thread, message) pair of the candidate in the contract that the viewer may see: all of
// the viewer's own, and others' `contract`-visible ones. Reads threads by (member, contract), then
// each thread's links and messages by primary key. A message is linked once per candidate, so a
// message id appears at most once.
constexpr const char* kSelectVisibleMessages =
    "SELECT t.id, t.owner_user_id, u.name, u.email, t.subject,"
    " m.id, m.kind, m.direction, m.subject, m.sent_at, m.snippet, m.visibility, COALESCE(m.rfc_message_id, "
    "'')"
    " FROM threads t JOIN users u ON u.id = t.owner_user_id"
    " JOIN message_candidates mc ON mc.thread_id = t.id JOIN messages m ON m.id = mc.message_id"
    " WHERE t.member_id = ?2 AND t.contract_id = ?3 AND (t.owner_user_id = ?1 OR m.visibility = 'contract')"
    " ORDER BY t.id, m.sent_at, m.id";
// The listed participants of the messages in ?1 (a JSON array of message ids), by message id, then
// in header order: From, To and Cc only (Bcc is the owner's business), the role as 0, 1 or 2. One
// statement for the whole listing, by primary key, rather than one JSON aggregate per message.
constexpr sql::DialectSql kSelectListedParticipants = {
    "SELECT p.message_id, CASE p.role WHEN 'from' THEN 0 WHEN 'to' THEN 1 ELSE 2 END, p.name, p.email"
    " FROM json_each(?1) j JOIN message_participants p ON p.message_id = j.value"
    " WHERE p.role IN ('from', 'to', 'cc') ORDER BY p.message_id, p.position",
    "SELECT p.message_id, CASE p.role WHEN 'from' THEN 0 WHEN 'to' THEN 1 ELSE 2 END, p.name, p.email"
    " FROM json_array_elements_text(?1::json) AS j(value) JOIN message_participants p"
    " ON p.message_id = j.value::bigint"
    " WHERE p.role IN ('from', 'to', 'cc') ORDER BY p.message_id, p.position"};

Result<model::User> read_user(sql::Stmt& q, const std::string& what) {
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, what);
  return read_user_row(q);
}

// Rows of (id, contract_id, name, member_id|NULL) into projects, in row order.
Result<std::vector<ProjectInfo>> read_projects(sql::Stmt& q) {
  std::vector<ProjectInfo> out;
  for (;;) {
    auto row = q.step();
    if (!row) return row.error();
    if (!*row) return out;
    const Id id = q.int_at(0);
    if (out.empty() || out.back().id != id) out.push_back(ProjectInfo{id, q.int_at(1), q.text_at(2), {}});
    if (!q.null_at(3)) out.back().member_ids.push_back(q.int_at(3));
  }
}

// Adds the listed participants (From, To, Cc) to `by_id`, messages in ascending id order, with
// one statement.
Status fill_participants(sql::Db& db, const std::vector<ListedMessage*>& by_id) {
  if (by_id.empty()) return {};
  std::string ids = "[";
  for (const ListedMessage* m : by_id) {
    if (ids.size() > 1) ids.push_back(',');
    ids += std::to_string(m->id);
  }
  ids.push_back(']');
  auto q = db.prepare(kSelectListedParticipants);
  if (!q) return q.error();
  q->bind_all(ids);
  auto next = by_id.begin();
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return {};
    const Id message_id = q->int_at(0);
    while (next != by_id.end() && (*next)->id < message_id) ++next;
    if (next == by_id.end()) return {};
    if ((*next)->id != message_id) continue;
    ListedMessage& m = **next;
    ListedAddress a{q->text_at(2), q->text_at(3)};
    switch (q->int_at(1)) {
      case 0:
        if (!m.from) m.from = std::move(a);
        break;
      case 1:
        m.to.push_back(std::move(a));
        break;
      default:
        m.cc.push_back(std::move(a));
        break;
    }
  }
}

}  // namespace

model::User read_user_row(const sql::Stmt& q) {
  model::User u;
  u.id = q.int_at(0);
  u.contract_id = q.int_at(1);
  u.email = q.text_at(2);
  u.name = q.text_at(3);
  u.role = model::parse_user_role(q.text_at(4)).value_or(model::UserRole::kUser);
  return u;
}

// --- sessions --------------------------------------------------------------------------------

Status SqlStore::create_session(const std::string& token_digest, Id user_id, std::int64_t now,
                                std::int64_t expires_at) {
  return in_tx("create_session", [&]() -> Status {
    auto del = db_->prepare(kDeleteExpiredSessions);
    if (!del) return del.error();
    if (auto st = del->bind_all(now).run(); !st) return st;
    auto ins = db_->prepare(kInsertSession);
    if (!ins) return ins.error();
    return ins->bind_all(token_digest, user_id, now, expires_at).run();
  });
}

Result<model::User> SqlStore::session_user(const std::string& token_digest, std::int64_t now) {
  auto q = db_->prepare(kSelectSessionUser);
  if (!q) return q.error();
  q->bind_all(token_digest, now);
  return read_user(*q, "no such session");
}

Status SqlStore::delete_session(const std::string& token_digest) {
  auto q = db_->prepare(kDeleteSession);
  if (!q) return q.error();
  return q->bind_all(token_digest).run();
}

Status SqlStore::ping() {
  auto q = db_->prepare(kPing);
  if (!q) return q.error();
  return q->run();
}

// --- contracts, users, members ---------------------------------------------------------------

static std::string domains_json(const model::ContractSettings& settings) {
  return nlohmann::json(settings.internal_domains)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Id> SqlStore::create_contract(const std::string& name, const model::ContractSettings& settings) {
  auto q = db_->prepare(kInsertContract);
  if (!q) return q.error();
  q->bind_all(name, model::to_string(settings.email_provider),
              model::to_string(settings.inmail_default_visibility), domains_json(settings), unix_now());
  auto id = q->single_int();
  if (!id && id.error().code == ErrorCode::kConflict)
    return make_error(ErrorCode::kConflict, "contract name taken");
  return id;
}

Status SqlStore::update_contract_settings(Id contract_id, const model::ContractSettings& settings) {
  auto q = db_->prepare(kUpdateContractSettings);
  if (!q) return q.error();
  const std::string domains = domains_json(settings);
  q->bind_all(model::to_string(settings.email_provider), model::to_string(settings.inmail_default_visibility),
              domains, contract_id);
  if (auto st = q->run(); !st) return st;
  if (db_->changes() == 0)
    return make_error(ErrorCode::kNotFound, "no contract " + std::to_string(contract_id));
  return {};
}

Result<model::User> SqlStore::get_user(Id user_id) {
  auto q = db_->prepare(kSelectUser);
  if (!q) return q.error();
  q->bind_all(user_id);
  return read_user(*q, "no user " + std::to_string(user_id));
}

Status SqlStore::update_member(const model::Member& member, const std::vector<std::string>& canonicals) {
  if (member.emails.size() != canonicals.size() || member.emails.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a member needs at least one email");
  }
  return in_tx("update_member", [&]() -> Status {
    {
      auto q = db_->prepare(kSelectMemberExists);
      if (!q) return q.error();
      auto row = q->bind_all(member.id).step();
      if (!row) return row.error();
      if (!*row) return make_error(ErrorCode::kNotFound, "no member " + std::to_string(member.id));
    }
    for (std::size_t i = 0; i < canonicals.size(); ++i) {
      auto q = db_->prepare(kSelectMemberOfCanonical);
      if (!q) return q.error();
      auto row = q->bind_all(canonicals[i]).step();
      if (!row) return row.error();
      if (*row && q->int_at(0) != member.id) {
        return make_error(ErrorCode::kConflict, member.emails[i] + " belongs to another member");
      }
    }
    auto upd = db_->prepare(kUpdateMemberRow);
    if (!upd) return upd.error();
    if (auto st = upd->bind_all(member.name, model::to_string(member.email_discovery), member.id).run();
        !st) {
      return st;
    }
    auto del = db_->prepare(kDeleteMemberEmailRows);
    if (!del) return del.error();
    if (auto st = del->bind_all(member.id).run(); !st) return st;
    for (std::size_t i = 0; i < canonicals.size(); ++i) {
      auto ins = db_->prepare(kInsertMemberEmailRow);
      if (!ins) return ins.error();
      if (auto st =
              ins->bind_all(member.id, static_cast<std::int64_t>(i), member.emails[i], canonicals[i]).run();
          !st) {
        if (st.error().code == ErrorCode::kConflict) {
          return make_error(ErrorCode::kConflict, member.emails[i] + " is listed twice");
        }
        return st;
      }
    }
    return {};
  });
}

Result<std::vector<Id>> SqlStore::contracts_of_candidate(Id member_id) {
  auto q = db_->prepare(kSelectContractsOfCandidate);
  if (!q) return q.error();
  return q->bind_all(member_id).ints();
}

Result<bool> SqlStore::is_candidate(Id contract_id, Id member_id) {
  auto q = db_->prepare(kSelectIsCandidate);
  if (!q) return q.error();
  return q->bind_all(contract_id, member_id).step();
}

// --- projects --------------------------------------------------------------------------------

Result<ProjectInfo> SqlStore::get_project(Id project_id) {
  auto q = db_->prepare(kSelectProject);
  if (!q) return q.error();
  auto projects = read_projects(q->bind_all(project_id));
  if (!projects) return projects.error();
  if (projects->empty()) return make_error(ErrorCode::kNotFound, "no project " + std::to_string(project_id));
  return std::move(projects->front());
}

Result<std::vector<ProjectInfo>> SqlStore::list_projects(Id contract_id) {
  auto q = db_->prepare(kSelectProjects);
  if (!q) return q.error();
  return read_projects(q->bind_all(contract_id));
}

// --- threads visible to a viewer -------------------------------------------------------------

Result<std::vector<VisibleThread>> SqlStore::visible_threads(Id viewer_user_id, Id contract_id,
                                                             Id member_id) {
  struct Row {
    Id thread_id;
    ListedMessage message;
    std::string rfc_id;
  };
  std::vector<VisibleThread> threads;
  std::vector<Row> rows;
  {
    auto q = db_->prepare(kSelectVisibleMessages);
    if (!q) return q.error();
    q->bind_all(viewer_user_id, member_id, contract_id);
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      const Id thread_id = q->int_at(0);
      if (threads.empty() || threads.back().id != thread_id) {
        VisibleThread t;
        t.id = thread_id;
        t.owner_user_id = q->int_at(1);
        t.owner_name = q->text_at(2);
        t.owner_email = q->text_at(3);
        t.subject = q->text_at(4);
        threads.push_back(std::move(t));
      }
      Row& r = rows.emplace_back(Row{thread_id, {}, q->text_at(12)});
      ListedMessage& m = r.message;
      m.id = q->int_at(5);
      m.owner_user_id = threads.back().owner_user_id;
      m.kind = q->text_at(6);
      m.direction = q->text_at(7);
      m.subject = q->text_at(8);
      m.sent_at = q->int_at(9);
      m.snippet = q->text_at(10);
      m.visibility = q->text_at(11);
    }
  }

  // One copy per RFC Message-ID: the viewer's own when they hold one, else the first stored.
  std::set<std::string> taken;
  for (const Row& r : rows) {
    if (r.message.owner_user_id == viewer_user_id && !r.rfc_id.empty()) taken.insert(r.rfc_id);
  }
  std::vector<Row*> order;
  order.reserve(rows.size());
  for (Row& r : rows) order.push_back(&r);
  std::sort(order.begin(), order.end(),
            [](const Row* a, const Row* b) { return a->message.id < b->message.id; });
  std::set<Id> dropped;
  for (const Row* r : order) {
    if (r->message.owner_user_id == viewer_user_id || r->rfc_id.empty()) continue;
    if (!taken.insert(r->rfc_id).second) dropped.insert(r->message.id);
  }
  std::vector<ListedMessage*> listed;
  listed.reserve(order.size());
  for (Row* r : order) {
    if (dropped.count(r->message.id) == 0) listed.push_back(&r->message);
  }
  if (auto st = fill_participants(*db_, listed); !st) return st.error();

  std::size_t next = 0;
  for (VisibleThread& t : threads) {
    for (; next < rows.size() && rows[next].thread_id == t.id; ++next) {
      if (dropped.count(rows[next].message.id) != 0) continue;
      t.last_message_at = std::max(t.last_message_at, rows[next].message.sent_at);
      t.messages.push_back(std::move(rows[next].message));
    }
    // Another owner's thread subject may come from a message the viewer cannot see.
    if (t.owner_user_id != viewer_user_id && !t.messages.empty()) t.subject = t.messages.front().subject;
  }
  threads.erase(std::remove_if(threads.begin(), threads.end(),
                               [](const VisibleThread& t) { return t.messages.empty(); }),
                threads.end());
  std::sort(threads.begin(), threads.end(), [](const VisibleThread& a, const VisibleThread& b) {
    return a.last_message_at != b.last_message_at ? a.last_message_at > b.last_message_at : a.id > b.id;
  });
  return threads;
}

}  // namespace hiresync::store
