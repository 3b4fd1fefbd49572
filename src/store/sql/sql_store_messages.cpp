// SqlStore: messages as the HTTP API reads and changes them (one message in full, visibility
// changes, the pipeline, the users of a contract, the mailbox holder, the GDPR export).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "store/sql/sql_store.hpp"

namespace hiresync::store {

using model::ErrorCode;
using model::make_error;

namespace {

constexpr const char* kSelectUsersOfContract =
    "SELECT id, contract_id, email, name, role FROM users WHERE contract_id = ? ORDER BY name, id";

// One message in full. Participants come as a JSON array of [position, role, name, email]
// (SQLite's json_group_array, PostgreSQL's json_agg, which is NULL for no rows).
#define HIRESYNC_DETAIL_COLUMNS(participants)                                                             \
  "SELECT m.id, m.owner_user_id, m.kind, m.direction, m.subject, m.sent_at, m.snippet, m.visibility,"     \
  " COALESCE(m.rfc_message_id, ''), COALESCE(b.text_body, ''), COALESCE(b.html_body, ''), m.contract_id," \
  " COALESCE((SELECT MIN(mc.thread_id) FROM message_candidates mc WHERE mc.message_id = m.id), 0),"       \
  " (SELECT " participants                                                                                \
  " FROM message_participants p WHERE p.message_id = m.id)"                                               \
  " FROM messages m LEFT JOIN message_bodies b ON b.message_id = m.id"
#define HIRESYNC_SQLITE_PARTICIPANTS "json_group_array(json_array(p.position, p.role, p.name, p.email))"
#define HIRESYNC_POSTGRES_PARTICIPANTS \
  "COALESCE(json_agg(json_build_array(p.position, p.role, p.name, p.email) ORDER BY p.position), '[]')"
// Scoped: of the contract, and the viewer's own or `contract`-visible.
#define HIRESYNC_VISIBLE \
  " WHERE m.id = ?1 AND m.contract_id = ?2 AND (m.owner_user_id = ?3 OR m.visibility = 'contract')"
constexpr sql::DialectSql kSelectMessageDetailVisible = {
    HIRESYNC_DETAIL_COLUMNS(HIRESYNC_SQLITE_PARTICIPANTS) HIRESYNC_VISIBLE,
    HIRESYNC_DETAIL_COLUMNS(HIRESYNC_POSTGRES_PARTICIPANTS) HIRESYNC_VISIBLE};
// Unscoped: the operator's GDPR export only.
constexpr sql::DialectSql kSelectMessageDetailAny = {
    HIRESYNC_DETAIL_COLUMNS(HIRESYNC_SQLITE_PARTICIPANTS) " WHERE m.id = ?1",
    HIRESYNC_DETAIL_COLUMNS(HIRESYNC_POSTGRES_PARTICIPANTS) " WHERE m.id = ?1"};
#undef HIRESYNC_VISIBLE
#undef HIRESYNC_SQLITE_PARTICIPANTS
#undef HIRESYNC_POSTGRES_PARTICIPANTS
#undef HIRESYNC_DETAIL_COLUMNS
constexpr const char* kSelectAttachments =
    "SELECT filename, content_type, size FROM attachments WHERE message_id = ? ORDER BY position";

constexpr const char* kUpdateMessageVisibility = "UPDATE messages SET visibility = ?2 WHERE id = ?1";
constexpr const char* kSelectVisibleThread =
    "SELECT t.id, t.owner_user_id, t.member_id FROM threads t WHERE t.id = ?1 AND t.contract_id = ?2"
    " AND (t.owner_user_id = ?3 OR EXISTS (SELECT 1 FROM message_candidates mc JOIN messages m"
    " ON m.id = mc.message_id WHERE mc.thread_id = t.id AND m.visibility = 'contract'))";
constexpr const char* kCountThreadMessages =
    "SELECT COUNT(*) FROM message_candidates mc JOIN messages m ON m.id = mc.message_id"
    " JOIN threads t ON t.id = mc.thread_id WHERE mc.thread_id = ?1 AND m.owner_user_id = t.owner_user_id";
constexpr const char* kUpdateThreadVisibility =
    "UPDATE messages SET visibility = ?2 WHERE owner_user_id = (SELECT owner_user_id FROM threads WHERE id = "
    "?1)"
    " AND id IN (SELECT message_id FROM message_candidates WHERE thread_id = ?1)";

// Per candidate of the project, the latest message the viewer may see: a correlated lookup per
// candidate through its links (message_candidates_member), newest first; ties on time prefer the
// viewer's own copy of a message, then the newest row. (A window over all links joined back to
// the candidates made SQLite rescan the materialized links once per candidate.)
constexpr const char* kSelectPipeline =
    "SELECT c.member_id, mb.name, m.id,"
    " (SELECT l.thread_id FROM message_candidates l WHERE l.message_id = m.id AND l.member_id = c.member_id),"
    " m.kind, m.direction, m.subject, m.sent_at, m.owner_user_id"
    " FROM project_candidates c JOIN members mb ON mb.id = c.member_id"
    " LEFT JOIN messages m ON m.id = (SELECT m2.id FROM message_candidates mc"
    "   JOIN messages m2 ON m2.id = mc.message_id WHERE mc.member_id = c.member_id AND m2.contract_id = ?3"
    "   AND (m2.owner_user_id = ?2 OR m2.visibility = 'contract')"
    "   ORDER BY m2.sent_at DESC, (m2.owner_user_id = ?2) DESC, m2.id DESC LIMIT 1)"
    " WHERE c.project_id = ?1 ORDER BY m.sent_at IS NULL, m.sent_at DESC, mb.name, c.member_id";

constexpr const char* kSelectMailboxHolderAnyProvider =
    "SELECT u.id, u.contract_id, u.email, u.name, u.role FROM mailboxes m JOIN users u ON u.id = m.user_id"
    " WHERE m.contract_id = ?1 AND m.canonical_address = ?2 AND m.user_id != ?3"
    " AND m.provider NOT IN ('import', 'inmail') AND m.state != 'disconnected' ORDER BY m.id LIMIT 1";

constexpr const char* kSelectProjectsOfMember =
    "SELECT c.id, c.name, p.id, p.name FROM project_candidates pc JOIN projects p ON p.id = pc.project_id"
    " JOIN contracts c ON c.id = p.contract_id WHERE pc.member_id = ? ORDER BY c.name, c.id, p.name, p.id";

// Participants from the detail query's JSON, in header order.
std::vector<ListedParticipant> parse_participants(const std::string& json_text) {
  std::vector<ListedParticipant> out;
  auto parsed = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return out;
  std::vector<std::pair<std::int64_t, ListedParticipant>> rows;
  for (const auto& p : parsed) {
    if (!p.is_array() || p.size() != 4 || !p[0].is_number_integer() || !p[1].is_string() ||
        !p[2].is_string() || !p[3].is_string()) {
      continue;
    }
    rows.emplace_back(
        p[0].get<std::int64_t>(),
        ListedParticipant{p[1].get<std::string>(), p[2].get<std::string>(), p[3].get<std::string>()});
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(std::move(r.second));
  return out;
}

}  // namespace

Result<std::vector<model::User>> SqlStore::list_users(Id contract_id) {
  auto q = db_->prepare(kSelectUsersOfContract);
  if (!q) return q.error();
  q->bind_all(contract_id);
  std::vector<model::User> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_user_row(*q));
  }
}

Result<MessageDetail> SqlStore::read_message_detail(sql::Stmt& q, Id message_id) {
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, "no visible message " + std::to_string(message_id));
  MessageDetail d;
  ListedMessage& m = d.message;
  m.id = q.int_at(0);
  m.owner_user_id = q.int_at(1);
  m.kind = q.text_at(2);
  m.direction = q.text_at(3);
  m.subject = q.text_at(4);
  m.sent_at = q.int_at(5);
  m.snippet = q.text_at(6);
  m.visibility = q.text_at(7);
  d.rfc_message_id = q.text_at(8);
  d.text = q.text_at(9);
  d.html = q.text_at(10);
  d.contract_id = q.int_at(11);
  d.thread_id = q.int_at(12);
  d.participants = parse_participants(q.text_at(13));
  for (const auto& p : d.participants) {
    ListedAddress a{p.name, p.email};
    if (p.role == "from") {
      if (!m.from) m.from = std::move(a);
    } else if (p.role == "to") {
      m.to.push_back(std::move(a));
    } else if (p.role == "cc") {
      m.cc.push_back(std::move(a));
    }
  }
  auto att = db_->prepare(kSelectAttachments);
  if (!att) return att.error();
  att->bind_all(m.id);
  for (;;) {
    auto arow = att->step();
    if (!arow) return arow.error();
    if (!*arow) break;
    d.attachments.push_back(
        model::Attachment{att->text_at(0), att->text_at(1), static_cast<std::uint64_t>(att->int_at(2))});
  }
  return d;
}

Result<MessageDetail> SqlStore::visible_message(Id viewer_user_id, Id contract_id, Id message_id) {
  auto q = db_->prepare(kSelectMessageDetailVisible);
  if (!q) return q.error();
  q->bind_all(message_id, contract_id, viewer_user_id);
  return read_message_detail(*q, message_id);
}

Status SqlStore::set_message_visibility(Id message_id, model::Visibility visibility) {
  auto q = db_->prepare(kUpdateMessageVisibility);
  if (!q) return q.error();
  if (auto st = q->bind_all(message_id, model::to_string(visibility)).run(); !st) return st;
  if (db_->changes() == 0)
    return make_error(ErrorCode::kNotFound, "no message " + std::to_string(message_id));
  return {};
}

Result<ThreadRef> SqlStore::visible_thread(Id viewer_user_id, Id contract_id, Id thread_id) {
  auto q = db_->prepare(kSelectVisibleThread);
  if (!q) return q.error();
  auto row = q->bind_all(thread_id, contract_id, viewer_user_id).step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kNotFound, "no visible thread " + std::to_string(thread_id));
  return ThreadRef{q->int_at(0), q->int_at(1), q->int_at(2)};
}

Result<std::int64_t> SqlStore::set_thread_visibility(Id thread_id, model::Visibility visibility) {
  return in_tx("set_thread_visibility", [&]() -> Result<std::int64_t> {
    auto up = db_->prepare(kUpdateThreadVisibility);
    if (!up) return up.error();
    if (auto st = up->bind_all(thread_id, model::to_string(visibility)).run(); !st) return st.error();
    auto count = db_->prepare(kCountThreadMessages);
    if (!count) return count.error();
    auto n = count->bind_all(thread_id).ints();
    if (!n) return n.error();
    return n->empty() ? std::int64_t{0} : n->front();
  });
}

Result<std::vector<PipelineEntry>> SqlStore::pipeline(Id viewer_user_id, Id contract_id, Id project_id) {
  auto q = db_->prepare(kSelectPipeline);
  if (!q) return q.error();
  q->bind_all(project_id, viewer_user_id, contract_id);
  std::vector<PipelineEntry> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return out;
    PipelineEntry e;
    e.member_id = q->int_at(0);
    e.name = q->text_at(1);
    if (!q->null_at(2)) {
      e.last_activity = PipelineEntry::Activity{q->int_at(2),  q->int_at(3),  q->int_at(8), q->text_at(4),
                                                q->text_at(5), q->text_at(6), q->int_at(7)};
    }
    out.push_back(std::move(e));
  }
}

Result<std::optional<model::User>> SqlStore::mailbox_holder(Id contract_id,
                                                            const std::string& canonical_address,
                                                            Id except_user_id) {
  auto q = db_->prepare(kSelectMailboxHolderAnyProvider);
  if (!q) return q.error();
  auto row = q->bind_all(contract_id, canonical_address, except_user_id).step();
  if (!row) return row.error();
  if (!*row) return std::optional<model::User>();
  return std::optional<model::User>(read_user_row(*q));
}

Result<std::vector<MemberProject>> SqlStore::projects_of_member(Id member_id) {
  auto q = db_->prepare(kSelectProjectsOfMember);
  if (!q) return q.error();
  q->bind_all(member_id);
  std::vector<MemberProject> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(MemberProject{q->int_at(0), q->text_at(1), q->int_at(2), q->text_at(3)});
  }
}

Result<std::vector<MessageDetail>> SqlStore::messages_of_person(const std::vector<std::string>& canonicals,
                                                                Id member_id) {
  auto found = message_ids_of_person(canonicals, member_id);
  if (!found) return found.error();
  const std::set<Id>& ids = *found;
  std::vector<MessageDetail> out;
  out.reserve(ids.size());
  for (Id id : ids) {
    auto q = db_->prepare(kSelectMessageDetailAny);
    if (!q) return q.error();
    q->bind_all(id);
    auto d = read_message_detail(*q, id);
    if (!d) return d.error();
    out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace hiresync::store
